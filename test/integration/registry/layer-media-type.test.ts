import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerEngine } from '../../../client/docker-engine.js';
import { RegistryClient } from '../../../client/registry-client.js';
import { pushImage } from '../../../client/services/push.js';
import type { LayerLookup } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { buildTar, fixtureConfig, fixtureLayer, legacyEntries } from '../../helpers/archives.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { client } from './http.js';

// Security audit finding 8: a layer blob's media type was whatever the first manifest
// naming it claimed, and the layer lookup handed that claim to every later push reusing
// the blob: a planted `+zstd` showed up in another user's manifest.
describe("a layer's media type comes from its bytes, never from another push's claim", () => {
  const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
  let reg: TestRegistry;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    reg = await startTestRegistry();
    tmp = await tempDir('docket-layer-type-');
  });
  afterAll(async () => {
    await reg?.close();
    await tmp?.cleanup();
  });

  it('a push reusing a layer another manifest called zstd names it gzip', async () => {
    const api = client(reg);
    const layer = await fixtureLayer({ 'shared.txt': 'a layer two images share' });
    const gz = gzipSync(layer.tar);
    // The first manifest to name the gzip blob claims it is zstd.
    const config = fixtureConfig([layer.diffId]);
    await api.pushManifest(
      'planter/app',
      'v1',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config: {
            mediaType: MediaType.ociConfig,
            digest: await api.pushBlob('planter/app', config),
            size: config.length,
          },
          layers: [
            { mediaType: ZSTD, digest: await api.pushBlob('planter/app', gz), size: gz.length },
          ],
        }),
      ),
      MediaType.ociManifest,
    );
    const lookup = await api.request('GET', `/docket/v1/layers/${layer.diffId}`);
    expect(lookup.status).toBe(200);
    expect((await lookup.json()) as LayerLookup).toEqual({
      digest: sha256Digest(gz),
      size: gz.length,
      mediaType: MediaType.dockerLayerGzip,
      repository: 'planter/app',
    });

    // Another push of an image with the same (uncompressed) layer reuses that blob,
    // mounted from the repository the lookup names.
    const archive = await buildTar(legacyEntries([layer], ['victim/app:v1']));
    const engine = {
      exportImage: async () => Readable.from([archive]),
    } as unknown as DockerEngine;
    const pushed = await pushImage(
      {
        engine,
        registry: new RegistryClient({ url: reg.url, token: reg.token }),
        tmpDir: tmp.dir,
        concurrency: 1,
      },
      'victim/app:v1',
      { repository: 'victim/app', tag: 'v1' },
    );
    expect(pushed.layersSkipped).toBe(1);
    const res = await api.request('GET', '/v2/victim/app/manifests/v1', {
      headers: { Accept: MediaType.dockerManifest },
    });
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as { layers: { mediaType: string; digest: string }[] };
    expect(manifest.layers).toEqual([
      { mediaType: MediaType.dockerLayerGzip, digest: sha256Digest(gz), size: gz.length },
    ]);
  });
});
