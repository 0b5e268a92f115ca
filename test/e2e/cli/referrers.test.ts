import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInspection } from '../../../client/services/inspect.js';
import type { PullSummary } from '../../../client/services/pull.js';
import type { PreheatResult } from '../../../lib/api/index.js';
import { ArtifactType, EMPTY_DESCRIPTOR } from '../../../lib/artifact-types.js';
import type { Descriptor } from '../../../lib/manifest/index.js';
import { buildTestImage } from '../../../testbed/images.js';
import {
  type Artifact,
  COSIGN_SIGNATURE_ANNOTATION,
  CREATED_ANNOTATION,
  cosignSignature,
  manifestDescriptor,
  pushArtifact,
  signingKey,
  spdxSbom,
} from '../../helpers/artifacts.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli, startCli } from '../../helpers/run-cli.js';
import { jsonSummary, removeImages, sha256Hex, tempCacheDir } from './cli-env.js';

const docker = new Docker();
const IMAGE = 'refs-test/app:v1';
const REPO = 'refs-test/app';
const SIGNED_AT = '2026-12-01T10:00:00Z';

/**
 * OCI 1.1 artifacts end to end: an image pushed with `docket push`, a cosign-style
 * signature and an SPDX SBOM attached to it (blob uploads + manifest PUT with `subject`),
 * then `docket inspect`, `docket pull --with-referrers` and the agent's preheat.
 */
describe('referrers: signatures and SBOMs pushed with an image', () => {
  let registry: TestRegistry;
  let env: Record<string, string>;
  let subject: Descriptor;
  let sig: Artifact;
  let sbom: Artifact;
  let publicKey: KeyObject;

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    await buildTestImage(docker, IMAGE, [{ file: 'app.bin', size: 300_000, seed: 'refs-app' }]);
    const pushed = await runCli(['push', IMAGE], { env });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    subject = await manifestDescriptor(registry, REPO, 'v1');
    const key = signingKey();
    publicKey = createPublicKey(key.publicKey.export({ type: 'spki', format: 'pem' }));
    sig = cosignSignature(subject, {
      dockerReference: `${registry.host}/${REPO}`,
      key: key.privateKey,
      created: SIGNED_AT,
    });
    // Over 1 MiB: its layer is fetched as a torrent, not over plain HTTP.
    sbom = spdxSbom(subject, { name: REPO, packages: 12_000 });
    expect(sbom.blobs[1]?.bytes.length).toBeGreaterThan(1024 * 1024);
    for (const artifact of [sig, sbom]) {
      const put = await pushArtifact(registry, REPO, artifact);
      expect(put).toEqual({ status: 201, subject: subject.digest });
    }
  }, 120_000);

  afterAll(async () => {
    await removeImages(docker, [IMAGE, `${registry.host}/${IMAGE}`]);
    await registry?.close();
  });

  /** Every manifest and blob of both artifacts is a verified file in `cacheDir`. */
  async function expectCached(cacheDir: string): Promise<void> {
    const digests = [sig, sbom].flatMap((a) => [
      a.digest,
      ...a.blobs.map((b) => b.descriptor.digest),
    ]);
    for (const digest of new Set(digests)) {
      const hex = digest.slice('sha256:'.length);
      const bytes = await readFile(join(cacheDir, 'blobs', hex));
      expect(sha256Hex(bytes), digest).toBe(hex);
    }
  }

  it('docket inspect lists both, with artifact type, digest, size and creation time', async () => {
    const json = await runCli(['inspect', '--json', IMAGE], { env });
    expect(json.exitCode, json.stderr).toBe(0);
    const info = JSON.parse(json.stdout) as ImageInspection;
    expect(info.referrers).toHaveLength(2);
    expect(info.referrers).toEqual(
      expect.arrayContaining([
        {
          subject: subject.digest,
          digest: sig.digest,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactType: ArtifactType.cosignSignature,
          size: sig.manifest.length,
          annotations: { [CREATED_ANNOTATION]: SIGNED_AT },
        },
        expect.objectContaining({
          digest: sbom.digest,
          artifactType: ArtifactType.spdx,
          size: sbom.manifest.length,
        }),
      ]),
    );

    const text = await runCli(['inspect', IMAGE], { env });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^REFERRER\s+ARTIFACT TYPE\s+DIGEST\s+SIZE\s+CREATED$/m);
    expect(text.stdout).toMatch(
      new RegExp(
        `^signature\\s+${literal(ArtifactType.cosignSignature)}\\s+${sig.digest}\\s+.*${SIGNED_AT}$`,
        'm',
      ),
    );
    expect(text.stdout).toMatch(
      new RegExp(`^SBOM\\s+${literal(ArtifactType.spdx)}\\s+${sbom.digest}\\s`, 'm'),
    );
  });

  it('docket pull --with-referrers leaves their manifests and blobs in a fresh cache, enough to verify the signature offline', async () => {
    const cacheDir = await tempCacheDir();
    const result = await runCli(
      ['pull', '--with-referrers', '--seed-time', '0', '--json', '--cache-dir', cacheDir, IMAGE],
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = jsonSummary<PullSummary>(result);
    // The empty config is one blob for both.
    expect(summary.referrers).toMatchObject({ manifests: 2, blobs: 3 });
    await expectCached(cacheDir);
    // The SBOM's layer came as a torrent: its .torrent is kept beside it.
    const sbomLayer = sbom.blobs[1]!.descriptor.digest.slice('sha256:'.length);
    await readFile(join(cacheDir, 'blobs', `${sbomLayer}.torrent`));

    // Offline: the signature manifest, its payload and the key are all it takes.
    const read = (digest: string) =>
      readFile(join(cacheDir, 'blobs', digest.slice('sha256:'.length)));
    const manifest = JSON.parse((await read(sig.digest)).toString()) as {
      config: Descriptor;
      layers: Descriptor[];
      subject: Descriptor;
    };
    expect(manifest.config.digest).toBe(EMPTY_DESCRIPTOR.digest);
    expect(manifest.subject.digest).toBe(subject.digest);
    const layer = manifest.layers[0]!;
    const payload = await read(layer.digest);
    const signature = Buffer.from(layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION] ?? '', 'base64');
    expect(verify('sha256', payload, publicKey, signature)).toBe(true);
    const claims = JSON.parse(payload.toString()) as {
      critical: { image: { 'docker-manifest-digest': string } };
    };
    expect(claims.critical.image['docker-manifest-digest']).toBe(subject.digest);
  }, 120_000);

  it('a plain docket pull fetches no referrers', async () => {
    const result = await runCli(
      ['pull', '--seed-time', '0', '--json', '--cache-dir', await tempCacheDir(), IMAGE],
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(jsonSummary<PullSummary>(result).referrers).toBeUndefined();
  });

  it("the agent's preheat fetches them too", async () => {
    const cacheDir = await tempCacheDir();
    const agent = startCli(['agent', '--listen', '127.0.0.1:0', '--cache-dir', cacheDir], {
      env,
    });
    try {
      const banner = await agent.waitForStdout(/listening on http:\/\/\S+/, 30_000);
      const url = new URL(/listening on (http:\/\/\S+)/.exec(banner)?.[1] as string);
      const result = await runCli(['preheat', '--agent', url.host, '--json', IMAGE], { env });
      expect(result.exitCode, result.stderr).toBe(0);
      const preheated = JSON.parse(result.stdout) as PreheatResult;
      expect(preheated.manifestDigest).toBe(subject.digest);
      expect(preheated.referrers).toMatchObject({ manifests: 2, blobs: 3 });
      await expectCached(cacheDir);
    } finally {
      agent.child.kill('SIGINT');
      await agent.result;
    }
  }, 120_000);
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
