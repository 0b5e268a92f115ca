import { MediaType } from '../media-types.js';
import type { Descriptor } from './types.js';

/**
 * The Docker schema2 image manifest (Image Manifest V2, Schema 2) of an image config and
 * its layers, as the exact bytes docket stores: `docket push` and the registry's tarball
 * import both build it here, so the same image gets the same manifest digest either way.
 *
 * The bytes are JSON with 3-space indentation and keys in the order schemaVersion,
 * mediaType, config, layers; each descriptor holds mediaType, digest and size, in that
 * order, whatever the order (or any other key) of the descriptor given. Changing any of
 * this changes the digest of every image pushed again.
 */
export function buildImageManifest(image: { config: Descriptor; layers: Descriptor[] }): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: descriptor(image.config),
    layers: image.layers.map(descriptor),
  };
  return Buffer.from(JSON.stringify(manifest, null, 3));
}

function descriptor({ mediaType, digest, size }: Descriptor): Descriptor {
  return { mediaType, digest, size };
}
