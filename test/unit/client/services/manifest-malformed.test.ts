import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../../../client/errors.js';
import { RegistryClient } from '../../../../client/registry-client.js';
import { inspectImage } from '../../../../client/services/inspect.js';
import { resolveImage } from '../../../../client/services/resolve-image.js';
import { ExitCode, classifyError } from '../../../../cli/exit-codes.js';
import { sha256Digest } from '../../../../lib/digest.js';
import { MediaType } from '../../../../lib/media-types.js';
import { startHttp, type TestHttpServer } from '../../../helpers/http-server.js';

/**
 * The client reads manifests the registry sends through lib/manifest's parser: good
 * fixtures resolve, malformed ones (beside them) fail with one clear registry error.
 */
const config = Buffer.from(
  JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { diff_ids: [sha256Digest('l')] } }),
);
const configDigest = sha256Digest(config);
const layer = { mediaType: MediaType.ociLayerGzip, digest: sha256Digest('gz'), size: 2 };
const image = {
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: configDigest, size: config.length },
  layers: [layer],
};
const imageBody = Buffer.from(JSON.stringify(image));
const imageDigest = sha256Digest(imageBody);
const platform = { os: 'linux', architecture: 'amd64' };

interface Fixture {
  body: string;
  mediaType: string;
}
const json = (doc: unknown, mediaType: string): Fixture => ({
  body: JSON.stringify(doc),
  mediaType,
});

const good: Record<string, Fixture> = {
  image: json(image, MediaType.ociManifest),
  index: json(
    {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { mediaType: MediaType.ociManifest, digest: imageDigest, size: imageBody.length, platform },
      ],
    },
    MediaType.ociIndex,
  ),
};

const malformed: Record<string, Fixture> = {
  'index-without-manifests': json(
    { schemaVersion: 2, mediaType: MediaType.ociIndex },
    MediaType.ociIndex,
  ),
  'layer-without-digest': json(
    { ...image, layers: [{ mediaType: layer.mediaType, size: layer.size }] },
    MediaType.ociManifest,
  ),
  'wrong-media-type': json(
    { ...image, mediaType: MediaType.dockerManifestList },
    MediaType.ociManifest,
  ),
  'not-an-object': json([image], MediaType.ociManifest),
  'null-manifest': { body: 'null', mediaType: MediaType.ociManifest },
  'not-json': { body: '{"schemaVersion": 2,', mediaType: MediaType.ociManifest },
  'index-entry-not-a-descriptor': json(
    { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: ['sha256:x'] },
    MediaType.ociIndex,
  ),
};

const manifests = new Map<string, Fixture>([
  ...Object.entries(good),
  ...Object.entries(malformed),
  [imageDigest, good.image!],
]);

let server: TestHttpServer;
let registry: RegistryClient;

beforeAll(async () => {
  server = await startHttp((req, res) => {
    const url = req.url ?? '';
    const ref = /^\/v2\/[^/]+\/manifests\/(.+)$/.exec(url)?.[1];
    const fixture = ref === undefined ? undefined : manifests.get(decodeURIComponent(ref));
    if (fixture) {
      res.setHeader('content-type', fixture.mediaType);
      res.end(fixture.body);
    } else if (url.endsWith(`/blobs/${configDigest}`)) {
      res.end(config);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  registry = new RegistryClient({ url: server.url });
});

afterAll(() => server.close());

describe('manifests the client reads', () => {
  it.each(Object.keys(good))('resolves the good fixture %s', async (ref) => {
    const resolved = await resolveImage(registry, 'app', ref, platform);
    expect(resolved.manifestDigest).toBe(imageDigest);
    expect(resolved.manifest).toEqual(image);
    expect(resolved.configDigest).toBe(configDigest);
  });

  it.each(Object.keys(malformed))(
    'refuses the malformed fixture %s with a registry error (exit code 9)',
    async (ref) => {
      for (const read of [
        () => resolveImage(registry, 'app', ref, platform),
        () => inspectImage(registry, 'app', ref, platform),
      ]) {
        const err = await read().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RegistryError);
        expect((err as RegistryError).code).toBe('MANIFEST_INVALID');
        expect((err as RegistryError).message).toMatch(
          `app:${ref}: the registry sent an invalid manifest:`,
        );
        expect(classifyError(err)?.exitCode).toBe(ExitCode.registry);
      }
    },
  );
});
