import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import {
  buildTar,
  type FixtureLayer,
  fixtureConfig,
  fixtureLayer,
  legacyEntries,
} from '../../helpers/archives.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client, expectError, leftovers } from './http.js';

/** 128 MiB of zeros gzipped: ~130 KB that expands ~1000 times (RATIO_GRACE_BYTES is 64 MiB). */
function bombLayer(): FixtureLayer {
  const zeros = Buffer.alloc(128 * 1024 * 1024);
  const blob = gzipSync(zeros, { level: 9 });
  return { tar: zeros, diffId: sha256Digest(zeros), blob, digest: sha256Digest(blob) };
}

/** Issue #11 finding 4: gunzipping a layer is bounded in size and ratio. */
describe('gunzip bounds', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  let bomb: FixtureLayer;
  beforeAll(async () => {
    reg = await startTestRegistry();
    api = client(reg);
    bomb = bombLayer();
  });
  afterAll(() => reg?.close());

  it('refuses to import a layer that expands more than the ratio bound', async () => {
    expect(bomb.tar.length / bomb.blob.length).toBeGreaterThan(200);
    const archive = await buildTar(legacyEntries([bomb], ['reg/bomb:v1']));
    const res = await api.request('POST', '/docket/v1/images', { body: archive });
    await expectError(res, 400, 'LAYER_TOO_LARGE');
    expect(leftovers(reg)).toEqual([]);
    await expectError(await api.request('GET', '/v2/reg/bomb/manifests/v1'), 404, 'NAME_UNKNOWN');
  });

  it('does not index a pushed layer that expands more than the ratio bound', async () => {
    const config = fixtureConfig([bomb.diffId]);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: {
          mediaType: MediaType.ociConfig,
          digest: await api.pushBlob('reg/pushed-bomb', config),
          size: config.length,
        },
        layers: [
          {
            mediaType: MediaType.ociLayerGzip,
            digest: await api.pushBlob('reg/pushed-bomb', bomb.blob),
            size: bomb.blob.length,
          },
        ],
      }),
    );
    await api.pushManifest('reg/pushed-bomb', 'v1', manifest, MediaType.ociManifest);
    await expectError(
      await api.request('GET', `/docket/v1/layers/${bomb.diffId}`),
      404,
      'BLOB_UNKNOWN',
    );
  });

  it('refuses to import a layer larger than the size bound, and takes it below', async () => {
    const layer = await fixtureLayer({ file: 'x'.repeat(64 * 1024) }, true);
    const archive = await buildTar(legacyEntries([layer], ['reg/big:v1']));
    const small = await startTestRegistry({ maxLayerBytes: 32 * 1024 });
    try {
      const res = await client(small).request('POST', '/docket/v1/images', { body: archive });
      await expectError(res, 400, 'LAYER_TOO_LARGE');
      expect(leftovers(small)).toEqual([]);
    } finally {
      await small.close();
    }
    const ok = await api.request('POST', '/docket/v1/images', { body: archive });
    expect(ok.status, await ok.text()).toBe(201);
  });
});
