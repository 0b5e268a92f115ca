import { describe, expect, it } from 'vitest';
import { ManifestInvalidError } from '../../../../lib/errors.js';
import {
  isForeignLayer,
  MAX_INDEX_ENTRIES,
  parseManifest,
} from '../../../../lib/manifest/index.js';
import { MediaType } from '../../../../lib/media-types.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const image = {
  schemaVersion: 2,
  config: { mediaType: MediaType.ociConfig, digest: d('a'), size: 2 },
  layers: [{ mediaType: MediaType.ociLayerGzip, digest: d('b'), size: 3 }],
};
const index = {
  schemaVersion: 2,
  manifests: [{ mediaType: MediaType.ociManifest, digest: d('c'), size: 1 }],
};
const buf = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parseManifest', () => {
  it('takes the media type from Content-Type or the document', () => {
    expect(parseManifest(buf(image), MediaType.ociManifest)).toEqual({
      kind: 'image',
      mediaType: MediaType.ociManifest,
      manifest: image,
    });
    const docker = { ...image, mediaType: MediaType.dockerManifest };
    expect(parseManifest(buf(docker), undefined).mediaType).toBe(MediaType.dockerManifest);
    expect(parseManifest(buf(index), MediaType.ociIndex)).toEqual({
      kind: 'index',
      mediaType: MediaType.ociIndex,
      index,
    });
    const list = { ...index, mediaType: MediaType.dockerManifestList };
    expect(parseManifest(buf(list), `${MediaType.dockerManifestList}; charset=utf-8`).kind).toBe(
      'index',
    );
  });

  it('guesses from the shape when neither header nor document names a type', () => {
    expect(parseManifest(buf(image), 'application/json').mediaType).toBe(MediaType.ociManifest);
    expect(parseManifest(buf(index), undefined).mediaType).toBe(MediaType.ociIndex);
  });

  it('keeps the OCI 1.1 fields artifactType and subject, and descriptor extras', () => {
    const subject = { mediaType: MediaType.ociManifest, digest: d('d'), size: 9 };
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.example.sbom',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: d('e'),
        size: 2,
        data: 'e30=',
      },
      layers: [
        {
          mediaType: MediaType.ociLayerGzip,
          digest: d('f'),
          size: 4,
          urls: ['https://example.com/f'],
          annotations: { 'org.opencontainers.image.title': 'f' },
        },
      ],
      subject,
      annotations: { 'org.example': 'x' },
    };
    const parsed = parseManifest(buf(artifact), undefined);
    expect(parsed).toEqual({ kind: 'image', mediaType: MediaType.ociManifest, manifest: artifact });
    expect(parsed.kind === 'image' && isForeignLayer(parsed.manifest.layers[0]!)).toBe(true);

    const referrers = { ...index, artifactType: 'application/vnd.example', subject };
    expect(parseManifest(buf(referrers), MediaType.ociIndex)).toEqual({
      kind: 'index',
      mediaType: MediaType.ociIndex,
      index: referrers,
    });
  });

  it('keeps platforms of an index, and leaves out keys the specs do not define', () => {
    const platform = {
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.17763.1',
      'os.features': ['win32k'],
    };
    const doc = {
      ...index,
      manifests: [{ ...index.manifests[0], platform: { ...platform, features: ['sse4'] } }],
      extra: true,
    };
    const parsed = parseManifest(buf(doc), MediaType.ociIndex);
    expect(parsed.kind === 'index' && parsed.index).toEqual({
      ...index,
      manifests: [{ ...index.manifests[0], platform }],
    });
  });

  it('refuses what is not a manifest', () => {
    for (const [body, type] of [
      ['nope', MediaType.ociManifest],
      [JSON.stringify({ ...image, schemaVersion: 1 }), MediaType.ociManifest],
      [JSON.stringify({ ...image, mediaType: MediaType.dockerManifest }), MediaType.ociManifest],
      [JSON.stringify({ ...image, layers: [{ digest: 'x', size: 1, mediaType: 'y' }] }), undefined],
      [JSON.stringify({ ...image, config: { ...image.config, size: -1 } }), undefined],
      [JSON.stringify({ schemaVersion: 2, manifests: 'x' }), MediaType.ociIndex],
      [JSON.stringify({ ...image, mediaType: 'application/json' }), undefined],
      [JSON.stringify({ ...image, subject: { mediaType: 'x' } }), undefined],
      [JSON.stringify({ ...image, artifactType: 7 }), undefined],
      [JSON.stringify({ ...image, annotations: { a: 1 } }), undefined],
      [
        JSON.stringify({ ...index, manifests: [{ ...index.manifests[0], platform: {} }] }),
        undefined,
      ],
      [JSON.stringify([image]), undefined],
      ['null', undefined],
    ] as const)
      expect(() => parseManifest(Buffer.from(body), type)).toThrow(ManifestInvalidError);
  });

  it('refuses an index naming more than MAX_INDEX_ENTRIES manifests', () => {
    const big = { ...index, manifests: Array(MAX_INDEX_ENTRIES + 1).fill(index.manifests[0]) };
    expect(() => parseManifest(buf(big), MediaType.ociIndex)).toThrow(
      `at most ${MAX_INDEX_ENTRIES}`,
    );
  });
});
