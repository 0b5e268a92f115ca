import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryError, ResponseTooLargeError } from '../../../client/errors.js';
import { nextLink, RegistryClient, RESPONSE_LIMITS } from '../../../client/registry-client.js';
import { ArtifactType } from '../../../lib/artifact-types.js';
import { sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { startHttp, type TestHttpServer } from '../../helpers/http-server.js';

/** RegistryClient.getReferrers against a fake registry: pages, filters, the tag schema. */
const subject = sha256Digest('image');
const entry = (name: string, artifactType: string) => ({
  mediaType: MediaType.ociManifest,
  digest: sha256Digest(name),
  size: 500,
  artifactType,
  annotations: { 'org.opencontainers.image.created': '2026-12-07T00:00:00Z' },
});
const sig = entry('sig', ArtifactType.cosignSignature);
const sbom = entry('sbom', ArtifactType.spdx);
const index = (manifests: unknown[]) =>
  JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests });

let server: TestHttpServer | undefined;
afterEach(() => server?.close());

async function registryWith(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RegistryClient> {
  server = await startHttp(handler);
  return new RegistryClient({ url: server.url });
}

function answer(res: ServerResponse, body: string, headers: Record<string, string> = {}): void {
  res.setHeader('content-type', MediaType.ociIndex);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(body);
}

describe('RegistryClient.getReferrers', () => {
  it('reads the referrers index', async () => {
    const registry = await registryWith((_req, res) => answer(res, index([sig, sbom])));
    expect(await registry.getReferrers('app', subject)).toEqual([sig, sbom]);
    expect(server?.requests).toEqual([`GET /v2/app/referrers/${subject}`]);
  });

  it('filters by artifactType itself unless the registry says it did', async () => {
    let applied = false;
    const registry = await registryWith((_req, res) =>
      answer(
        res,
        index(applied ? [sbom] : [sig, sbom]),
        applied ? { 'OCI-Filters-Applied': 'artifactType' } : {},
      ),
    );
    expect(await registry.getReferrers('app', subject, ArtifactType.spdx)).toEqual([sbom]);
    applied = true;
    expect(await registry.getReferrers('app', subject, ArtifactType.spdx)).toEqual([sbom]);
    expect(server?.requests[0]).toBe(
      `GET /v2/app/referrers/${subject}?artifactType=${encodeURIComponent(ArtifactType.spdx)}`,
    );
  });

  it('follows Link rel="next" on the same registry only', async () => {
    const registry = await registryWith((req, res) => {
      if (req.url?.endsWith('page=2'))
        answer(res, index([sbom]), { link: '<http://elsewhere.test/v2/x?page=3>; rel="next"' });
      else answer(res, index([sig]), { link: `</v2/app/referrers/${subject}?page=2>; rel="next"` });
    });
    expect(await registry.getReferrers('app', subject)).toEqual([sig, sbom]);
    expect(server?.requests).toHaveLength(2);
  });

  it('reads the referrers tag schema from a registry without the API, and none without either', async () => {
    let tagged = true;
    const registry = await registryWith((req, res) => {
      if (tagged && req.url === `/v2/app/manifests/${subject.replace(':', '-')}`)
        return answer(res, index([sig, sbom]));
      res.statusCode = 404;
      res.end();
    });
    expect(await registry.getReferrers('app', subject, ArtifactType.cosignSignature)).toEqual([
      sig,
    ]);
    tagged = false;
    expect(await registry.getReferrers('app', subject)).toEqual([]);
  });

  it('refuses an answer that is not an image index, or too big', async () => {
    let body = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: sig,
      layers: [],
    });
    const registry = await registryWith((_req, res) => {
      res.setHeader('content-type', MediaType.ociManifest);
      res.end(body);
    });
    const err = await registry.getReferrers('app', subject).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('MANIFEST_INVALID');
    body = ' '.repeat(RESPONSE_LIMITS.referrers + 1);
    await expect(registry.getReferrers('app', subject)).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
  });
});

describe('nextLink', () => {
  it.each([
    ['</a?n=2>; rel="next"', '/a?n=2'],
    ['</p>; rel="prev", </n>; rel=next', '/n'],
    ['</p>; rel="prev"', undefined],
    [null, undefined],
  ])('%s → %s', (header, target) => {
    expect(nextLink(header)).toBe(target);
  });
});
