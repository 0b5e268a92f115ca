import { describe, expect, it } from 'vitest';
import { MediaType } from '../../../../lib/media-types.js';
import { ManifestInvalidError } from '../../../../registry/errors.js';
import {
  accepts,
  parseAccept,
  parseManifest,
} from '../../../../registry/services/manifest-parse.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const image = {
  schemaVersion: 2,
  config: { mediaType: MediaType.ociConfig, digest: d('a'), size: 2 },
  layers: [{ mediaType: MediaType.ociLayerGzip, digest: d('b'), size: 3 }],
};
const buf = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parseManifest', () => {
  it('takes the media type from Content-Type or the document', () => {
    expect(parseManifest(buf(image), MediaType.ociManifest).refs).toEqual([
      { kind: 'config', digest: d('a') },
      { kind: 'layer', digest: d('b') },
    ]);
    const docker = { ...image, mediaType: MediaType.dockerManifest };
    expect(parseManifest(buf(docker), undefined).mediaType).toBe(MediaType.dockerManifest);
    const index = {
      schemaVersion: 2,
      manifests: [{ mediaType: MediaType.ociManifest, digest: d('c'), size: 1 }],
    };
    expect(parseManifest(buf(index), MediaType.ociIndex).refs).toEqual([
      { kind: 'manifest', digest: d('c') },
    ]);
  });

  it('refuses what is not a manifest', () => {
    for (const [body, type] of [
      ['nope', MediaType.ociManifest],
      [JSON.stringify({ ...image, schemaVersion: 1 }), MediaType.ociManifest],
      [JSON.stringify({ ...image, mediaType: MediaType.dockerManifest }), MediaType.ociManifest],
      [JSON.stringify({ ...image, layers: [{ digest: 'x', size: 1, mediaType: 'y' }] }), undefined],
      [JSON.stringify({ ...image, config: { ...image.config, size: -1 } }), undefined],
      [JSON.stringify({ schemaVersion: 2, manifests: 'x' }), MediaType.ociIndex],
    ] as const)
      expect(() => parseManifest(Buffer.from(body), type)).toThrow(ManifestInvalidError);
  });
});

describe('Accept negotiation', () => {
  it('splits headers and honours wildcards', () => {
    expect(parseAccept([`${MediaType.ociIndex};q=0.5, ${MediaType.ociManifest}`, '*/*'])).toEqual([
      MediaType.ociIndex,
      MediaType.ociManifest,
      '*/*',
    ]);
    expect(accepts([], MediaType.ociIndex)).toBe(true);
    expect(accepts(['*/*'], MediaType.ociIndex)).toBe(true);
    expect(accepts([MediaType.ociManifest], MediaType.ociIndex)).toBe(false);
  });
});
