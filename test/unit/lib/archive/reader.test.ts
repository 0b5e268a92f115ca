import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readImageArchive } from '../../../../lib/archive/reader.js';
import { digestHex, sha256Digest } from '../../../../lib/digest.js';
import { MediaType } from '../../../../lib/media-types.js';
import {
  buildTar,
  type FixtureEntry,
  fixtureConfig,
  fixtureLayer,
  legacyEntries,
  ociEntries,
  TempDirSink,
} from '../../../helpers/archives.js';

let sink: TempDirSink;
const sinks: TempDirSink[] = [];
afterEach(() => {
  for (const s of sinks.splice(0)) s.remove();
});

async function read(entries: FixtureEntry[]) {
  sink = new TempDirSink();
  sinks.push(sink);
  const images = await readImageArchive(Readable.from([await buildTar(entries)]), sink);
  return images;
}

describe('readImageArchive: docker save, legacy layout', () => {
  it('reads config, ordered layers and tags; keeps only the layers in the sink', async () => {
    const layers = [await fixtureLayer({ a: 'one' }), await fixtureLayer({ b: 'two' })];
    const images = await read(legacyEntries(layers, ['codec-test/app:1']));
    expect(images).toHaveLength(1);
    const [image] = images;
    expect(image!.layout).toBe('docker-legacy');
    expect(image!.tags).toEqual(['codec-test/app:1']);
    expect(image!.config.equals(fixtureConfig(layers.map((l) => l.diffId)))).toBe(true);
    expect(image!.configDigest).toBe(sha256Digest(image!.config));
    expect(image!.layers.map((l) => l.diffId)).toEqual(layers.map((l) => l.diffId));
    for (const [i, l] of image!.layers.entries()) {
      expect(l).toMatchObject({
        digest: layers[i]!.diffId,
        size: layers[i]!.tar.length,
        compressed: false,
        mediaType: MediaType.dockerLayer,
      });
      expect(readFileSync(l.stored).equals(layers[i]!.tar)).toBe(true);
    }
    expect(sink.remaining()).toHaveLength(2);
  });

  it('verifies gzip layers against their diffIDs and reports their compressed digest', async () => {
    const layers = [await fixtureLayer({ a: 'x'.repeat(10_000) }, true)];
    const [image] = await read(legacyEntries(layers, []));
    expect(image!.layers[0]).toMatchObject({
      diffId: layers[0]!.diffId,
      digest: layers[0]!.digest,
      size: layers[0]!.blob.length,
      compressed: true,
      mediaType: MediaType.dockerLayerGzip,
    });
    expect(layers[0]!.digest).not.toBe(layers[0]!.diffId);
  });

  it('follows the symlink docker save writes for a repeated diffID', async () => {
    const layer = await fixtureLayer({ same: 'same' });
    const entries = legacyEntries([layer, layer], []);
    const second = entries.findLast((e) => e.name.endsWith('/layer.tar'))!;
    const firstDir = entries.find((e) => e.name.endsWith('/layer.tar'))!.name.split('/')[0];
    second.type = 'symlink';
    second.linkname = `../${firstDir}/layer.tar`;
    delete second.body;
    const [image] = await read(entries);
    expect(image!.layers).toHaveLength(2);
    expect(image!.layers[1]!.stored).toBe(image!.layers[0]!.stored);
    expect(sink.remaining()).toHaveLength(1);
  });

  it('discards entries no manifest uses', async () => {
    const layers = [await fixtureLayer({ a: 'one' })];
    const entries = legacyEntries(layers, []);
    entries.unshift({ name: 'extra/junk.bin', body: Buffer.alloc(2000, 7) });
    await read(entries);
    expect(sink.stored).toHaveLength(2);
    expect(sink.discarded).toHaveLength(1);
    expect(sink.remaining()).toHaveLength(1);
  });
});

describe('readImageArchive: Docker 25+ layout', () => {
  it('reads manifest.json paths into blobs/sha256 and takes its RepoTags', async () => {
    const layers = [await fixtureLayer({ a: 'one' }), await fixtureLayer({ b: 'two' })];
    const entries = ociEntries(layers, {
      annotations: { 'org.opencontainers.image.ref.name': 'latest' },
      dockerManifest: ['codec-test/app:25'],
    });
    const [image] = await read(entries);
    expect(image!.layout).toBe('docker-oci');
    expect(image!.tags).toEqual(['codec-test/app:25']);
    expect(image!.layers.map((l) => l.digest)).toEqual(layers.map((l) => l.digest));
    expect(sink.remaining()).toHaveLength(2);
  });
});

describe('readImageArchive: OCI image layout', () => {
  it('reads gzip layers, their media types and the ref.name tag', async () => {
    const layers = [await fixtureLayer({ a: 'one' }, true), await fixtureLayer({ b: 'two' }, true)];
    const entries = ociEntries(layers, {
      annotations: { 'org.opencontainers.image.ref.name': 'codec-test/app:oci' },
    });
    const [image] = await read(entries);
    expect(image!.layout).toBe('oci');
    expect(image!.tags).toEqual(['codec-test/app:oci']);
    expect(image!.configDigest).toBe(sha256Digest(image!.config));
    for (const [i, l] of image!.layers.entries()) {
      expect(l).toMatchObject({
        diffId: layers[i]!.diffId,
        digest: layers[i]!.digest,
        compressed: true,
        mediaType: MediaType.ociLayerGzip,
      });
      expect(readFileSync(l.stored).equals(layers[i]!.blob)).toBe(true);
    }
    expect(sink.remaining()).toHaveLength(2);
  });

  it('accepts a layout packed with `tar -C dir -c .` (a ./ root entry, ./ prefixes)', async () => {
    const layers = [await fixtureLayer({ a: 'one' }, true)];
    const entries = ociEntries(layers, {
      annotations: { 'org.opencontainers.image.ref.name': 'codec-test/app:dot' },
    });
    const dotted: FixtureEntry[] = [
      { name: './', type: 'directory' },
      ...entries.map((e) => ({ ...e, name: `./${e.name}` })),
    ];
    const [image] = await read(dotted);
    expect(image!.tags).toEqual(['codec-test/app:dot']);
    expect(image!.layers.map((l) => l.diffId)).toEqual([layers[0]!.diffId]);
  });

  it('prefers io.containerd.image.name, in its familiar form', async () => {
    const layers = [await fixtureLayer({ a: 'one' })];
    const [image] = await read(
      ociEntries(layers, {
        annotations: {
          'io.containerd.image.name': 'docker.io/library/app:2',
          'org.opencontainers.image.ref.name': '2',
        },
      }),
    );
    expect(image!.tags).toEqual(['app:2']);
  });

  it('gives no tag for a bare ref.name', async () => {
    const layers = [await fixtureLayer({ a: 'one' })];
    const [image] = await read(
      ociEntries(layers, { annotations: { 'org.opencontainers.image.ref.name': 'latest' } }),
    );
    expect(image!.tags).toEqual([]);
    expect(digestHex(image!.configDigest)).toHaveLength(64);
  });
});
