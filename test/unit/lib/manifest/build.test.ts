import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../../lib/digest.js';
import { buildImageManifest, type Descriptor } from '../../../../lib/manifest/index.js';
import { MediaType } from '../../../../lib/media-types.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const config: Descriptor = { mediaType: MediaType.dockerConfig, digest: d('c'), size: 1469 };
const layers: Descriptor[] = [
  { mediaType: MediaType.dockerLayerGzip, digest: d('1'), size: 2811478 },
  { mediaType: MediaType.dockerLayerGzip, digest: d('2'), size: 32 },
];

/**
 * What client/services/push.ts and registry/services/import.ts each built before they
 * shared lib/manifest/build.ts (`JSON.stringify(manifest, null, 3)`): images already pushed
 * keep their manifest digests.
 */
const GOLDEN = `{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "digest": "sha256:${'c'.repeat(64)}",
      "size": 1469
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "digest": "sha256:${'1'.repeat(64)}",
         "size": 2811478
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "digest": "sha256:${'2'.repeat(64)}",
         "size": 32
      }
   ]
}`;

describe('buildImageManifest', () => {
  it('gives the bytes push and tarball import built before', () => {
    const bytes = buildImageManifest({ config, layers });
    expect(bytes.toString()).toBe(GOLDEN);
    expect(sha256Digest(bytes)).toBe(
      'sha256:4837d210062264e7b75ee20cdab2c6a386626794d92a631bb221c0af1eba6838',
    );
  });

  it('writes descriptors in one key order, without other keys', () => {
    const reordered = layers.map(({ size, digest, mediaType }) => ({
      size,
      digest,
      mediaType,
      annotations: { 'org.example': 'dropped' },
    }));
    const { size, digest, mediaType } = config;
    const bytes = buildImageManifest({ config: { size, digest, mediaType }, layers: reordered });
    expect(bytes.toString()).toBe(GOLDEN);
  });

  it('writes an empty layer list for an image without layers', () => {
    const parsed = JSON.parse(buildImageManifest({ config, layers: [] }).toString());
    expect(parsed).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config,
      layers: [],
    });
  });
});
