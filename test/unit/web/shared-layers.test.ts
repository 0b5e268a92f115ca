import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '../../../lib/api/bodies.js';
import { blobImages, filterImages, layerUsers, sharedWith } from '../../../web/shared-layers.js';

const BASE = `sha256:${'b'.repeat(64)}`;
const APP = `sha256:${'a'.repeat(64)}`;
const TOOL = `sha256:${'c'.repeat(64)}`;

function image(
  repository: string,
  tag: string,
  layers: string[],
  extra: Partial<ImageSummary> = {},
): ImageSummary {
  return {
    repository,
    tag,
    digest: `sha256:${repository.length.toString(16).padStart(64, '0')}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1,
    layerCount: layers.length,
    created: null,
    lastPushed: '2026-01-01T00:00:00Z',
    platforms: ['linux/amd64'],
    configDigest: null,
    layers: layers.map((digest) => ({
      digest,
      size: 1,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      diffId: null,
      magnet: null,
    })),
    ...extra,
  };
}

const IMAGES = [
  image('team/app', 'v1', [BASE, APP]),
  image('team/app', 'v2', [BASE, APP]),
  image('tools', 'latest', [BASE, TOOL], { platforms: ['linux/arm64'] }),
];

describe('layerUsers', () => {
  it('names every image holding each layer, once each, sorted', () => {
    const users = layerUsers(IMAGES);
    expect(users.get(BASE)).toEqual(['team/app:v1', 'team/app:v2', 'tools:latest']);
    expect(users.get(APP)).toEqual(['team/app:v1', 'team/app:v2']);
    expect(users.get(TOOL)).toEqual(['tools:latest']);
  });

  it('counts an image that lists a layer twice once', () => {
    expect(layerUsers([image('twice', 'v1', [BASE, BASE])]).get(BASE)).toEqual(['twice:v1']);
  });

  it('leaves the image itself out of "shared with"', () => {
    const users = layerUsers(IMAGES);
    expect(sharedWith(users, BASE, 'tools:latest')).toEqual(['team/app:v1', 'team/app:v2']);
    expect(sharedWith(users, TOOL, 'tools:latest')).toEqual([]);
    expect(sharedWith(users, 'sha256:unknown', 'tools:latest')).toEqual([]);
  });
});

describe('filterImages', () => {
  it('keeps images matching every word, case-insensitively', () => {
    const refs = (q: string) => filterImages(IMAGES, q).map((i) => `${i.repository}:${i.tag}`);
    expect(refs('')).toHaveLength(3);
    expect(refs('APP v2')).toEqual(['team/app:v2']);
    expect(refs('arm64')).toEqual(['tools:latest']);
    expect(refs('nothing')).toEqual([]);
  });
});

describe('blobImages', () => {
  it('adds each image config blob to its image', () => {
    const config = `sha256:${'f'.repeat(64)}`;
    const map = blobImages([image('solo', 'v1', [BASE], { configDigest: config })]);
    expect(map.get(config)).toEqual(['solo:v1']);
    expect(map.get(BASE)).toEqual(['solo:v1']);
  });
});
