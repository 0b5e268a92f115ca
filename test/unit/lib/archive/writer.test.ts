import { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { chainIds } from '../../../../lib/archive/chain-id.js';
import { readImageArchive } from '../../../../lib/archive/reader.js';
import type { LoadLayer } from '../../../../lib/archive/types.js';
import { writeLoadArchive } from '../../../../lib/archive/writer.js';
import { digestHex, sha256Digest } from '../../../../lib/digest.js';
import { ArchiveError } from '../../../../lib/errors.js';
import {
  type FixtureLayer,
  fixtureConfig,
  fixtureLayer,
  TempDirSink,
} from '../../../helpers/archives.js';

let sink: TempDirSink | undefined;
const sinks: TempDirSink[] = [];
afterEach(() => {
  for (const s of sinks.splice(0)) s.remove();
});

function loadLayers(layers: FixtureLayer[]): LoadLayer[] {
  return layers.map((l) => ({
    diffId: l.diffId,
    size: l.blob.length,
    open: () => Readable.from([l.blob]),
  }));
}

async function write(opts: Parameters<typeof writeLoadArchive>[0]): Promise<Buffer> {
  const out = new PassThrough();
  const [, bytes] = await Promise.all([writeLoadArchive(opts, out), buffer(out)]);
  return bytes;
}

async function names(bytes: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Readable.from([bytes]).pipe(tar.extract())) {
    out.push(entry.header.name);
    entry.resume();
  }
  return out;
}

describe('writeLoadArchive', () => {
  it('writes the legacy layout, which the reader reads back', async () => {
    const layers = [await fixtureLayer({ a: '1' }), await fixtureLayer({ b: '2' }, true)];
    const config = fixtureConfig(layers.map((l) => l.diffId));
    const bytes = await write({ config, layers: loadLayers(layers), repoTags: ['codec-test/w:1'] });
    const ids = chainIds(layers.map((l) => l.diffId)).map(digestHex);
    expect(await names(bytes)).toEqual([
      `${digestHex(sha256Digest(config))}.json`,
      ...ids.flatMap((id) => [`${id}/`, `${id}/VERSION`, `${id}/json`, `${id}/layer.tar`]),
      'manifest.json',
      'repositories',
    ]);
    sink = new TempDirSink();
    sinks.push(sink);
    const [image] = await readImageArchive(Readable.from([bytes]), sink);
    expect(image!.layout).toBe('docker-legacy');
    expect(image!.config.equals(config)).toBe(true);
    expect(image!.tags).toEqual(['codec-test/w:1']);
    expect(image!.layers.map((l) => [l.digest, l.compressed])).toEqual([
      [layers[0]!.digest, false],
      [layers[1]!.digest, true],
    ]);
  });

  it('is deterministic', async () => {
    const layers = [await fixtureLayer({ a: '1' })];
    const opts = () => ({
      config: fixtureConfig([layers[0]!.diffId]),
      layers: loadLayers(layers),
      repoTags: ['codec-test/w:2'],
    });
    expect((await write(opts())).equals(await write(opts()))).toBe(true);
  });

  it('omitLayers leaves out the bottom layers files but lists them in manifest.json', async () => {
    const layers = [await fixtureLayer({ a: '1' }), await fixtureLayer({ b: '2' })];
    const config = fixtureConfig(layers.map((l) => l.diffId));
    const bytes = await write({ config, layers: loadLayers(layers), repoTags: [], omitLayers: 1 });
    const ids = chainIds(layers.map((l) => l.diffId)).map(digestHex);
    const listed = await names(bytes);
    expect(listed.filter((n) => n.startsWith(ids[0]!))).toEqual([]);
    expect(listed).toContain(`${ids[1]}/layer.tar`);
    const manifestEntry = await (async () => {
      for await (const entry of Readable.from([bytes]).pipe(tar.extract())) {
        if (entry.header.name === 'manifest.json') return JSON.parse(String(await buffer(entry)));
        entry.resume();
      }
    })();
    expect(manifestEntry[0].Layers).toEqual(ids.map((id) => `${id}/layer.tar`));
  });

  it('refuses layers that do not match the config, and destroys the output', async () => {
    const layers = [await fixtureLayer({ a: '1' })];
    const other = await fixtureLayer({ a: '2' });
    const out = new PassThrough();
    out.resume();
    const err = await writeLoadArchive(
      { config: fixtureConfig([other.diffId]), layers: loadLayers(layers), repoTags: [] },
      out,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as ArchiveError).problem).toBe('invalid-manifest');
    expect(out.destroyed).toBe(true);
  });

  it('fails when a layer has another size than announced', async () => {
    const layers = [await fixtureLayer({ a: '1' })];
    const out = new PassThrough();
    out.resume();
    const wrong = loadLayers(layers).map((l) => ({ ...l, size: l.size + 512 }));
    const config = fixtureConfig([layers[0]!.diffId]);
    await expect(writeLoadArchive({ config, layers: wrong, repoTags: [] }, out)).rejects.toThrow();
    expect(out.destroyed).toBe(true);
  });
});
