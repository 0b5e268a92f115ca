import { describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../../../client/registry-client.js';
import { sendLayer } from '../../../../client/services/push-layer.js';
import { sha256Digest } from '../../../../lib/digest.js';
import { MediaType } from '../../../../lib/media-types.js';

/**
 * Security audit finding 8: a push reusing a stored layer took the media type the layer
 * lookup answered, which came from whoever named the blob first. The pusher names it
 * from what it knows: the tar itself, or the registry's gzip of it.
 */
describe('sendLayer reusing a layer the registry stores', () => {
  const tar = sha256Digest('the layer tar');
  const gz = sha256Digest('its gzip');
  const layer = { path: '/nonexistent', digest: tar, size: 100, compressed: false };
  const registry = (digest: string) =>
    ({
      findLayer: async () => ({
        digest,
        size: 42,
        mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
      }),
      hasBlob: async () => true,
    }) as unknown as RegistryClient;

  it('names a blob other than the tar gzip, whatever the lookup says', async () => {
    expect(await sendLayer(registry(gz), 'app', layer)).toEqual({
      digest: gz,
      size: 42,
      mediaType: MediaType.dockerLayerGzip,
      outcome: 'known',
    });
  });

  it('names the tar itself a plain layer', async () => {
    expect((await sendLayer(registry(tar), 'app', layer)).mediaType).toBe(MediaType.dockerLayer);
  });
});
