import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readImageArchive } from '../../../../lib/archive/reader.js';
import { digestHex, sha256Digest } from '../../../../lib/digest.js';
import { type ArchiveProblem, ArchiveError } from '../../../../lib/errors.js';
import {
  buildTar,
  type FixtureEntry,
  type FixtureLayer,
  fixtureLayer,
  legacyEntries,
  ociEntries,
  TempDirSink,
} from '../../../helpers/archives.js';
import { randomBytes } from '../../../../testbed/images.js';

let sink: TempDirSink;
const sinks: TempDirSink[] = [];
afterEach(() => {
  for (const s of sinks.splice(0)) s.remove();
});

/** Reads `bytes`, expects ArchiveError(problem), and that the sink was left empty. */
async function expectProblem(
  bytes: Buffer,
  problem: ArchiveProblem,
  opts?: { maxMetadataBytes?: number },
): Promise<void> {
  sink = new TempDirSink();
  sinks.push(sink);
  const source = Readable.from(chunks(bytes, 64 * 1024));
  const err = await readImageArchive(source, sink, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArchiveError);
  expect((err as ArchiveError).problem).toBe(problem);
  expect(sink.remaining()).toEqual([]);
  expect([...sink.discarded].sort()).toEqual([...sink.stored].sort());
  expect(sink.storedInside()).toBe(true);
}

function* chunks(bytes: Buffer, size: number): Generator<Buffer> {
  for (let off = 0; off < bytes.length; off += size) yield bytes.subarray(off, off + size);
}

async function layers(gzip = false): Promise<FixtureLayer[]> {
  return [await fixtureLayer({ a: 'one' }, gzip), await fixtureLayer({ b: 'two' }, gzip)];
}

function withEntry(entries: FixtureEntry[], name: string, change: Partial<FixtureEntry>) {
  const entry = entries.find((e) => e.name.endsWith(name));
  if (!entry) throw new Error(`fixture has no ${name}`);
  Object.assign(entry, change);
  return entries;
}

describe('readImageArchive on malformed archives', () => {
  it('no manifest.json nor index.json: no-manifest', async () => {
    const entries = legacyEntries(await layers(), []).filter(
      (e) => e.name !== 'manifest.json' && e.name !== 'repositories',
    );
    await expectProblem(await buildTar(entries), 'no-manifest');
  });

  it('manifest naming a file the archive lacks: missing-entry', async () => {
    const entries = legacyEntries(await layers(), []);
    const last = entries.findLastIndex((e) => e.name.endsWith('/layer.tar'));
    entries.splice(last, 1);
    await expectProblem(await buildTar(entries), 'missing-entry');
  });

  it('entry named with ../: unsafe-path, and nothing written outside the sink', async () => {
    const entries = legacyEntries(await layers(), []);
    entries.splice(5, 0, { name: '../codec-test-escape', body: 'x' });
    await expectProblem(await buildTar(entries), 'unsafe-path');
    expect(existsSync(join(sink.dir, '..', 'codec-test-escape'))).toBe(false);
  });

  it('entry with an absolute name: unsafe-path', async () => {
    const entries = legacyEntries(await layers(), []);
    entries.splice(5, 0, { name: '/tmp/codec-test-absolute', body: 'x' });
    await expectProblem(await buildTar(entries), 'unsafe-path');
    expect(existsSync('/tmp/codec-test-absolute')).toBe(false);
  });

  it('manifest.json naming a layer path with ..: unsafe-path', async () => {
    const entries = legacyEntries(await layers(), []);
    const manifest = JSON.parse(String(entries.find((e) => e.name === 'manifest.json')!.body));
    manifest[0].Layers[1] = `x/../${manifest[0].Layers[1]}`;
    withEntry(entries, 'manifest.json', { body: JSON.stringify(manifest) });
    await expectProblem(await buildTar(entries), 'unsafe-path');
  });

  it('layer symlink escaping the archive: unsafe-link', async () => {
    const entries = withEntry(legacyEntries(await layers(), []), '/layer.tar', {
      type: 'symlink',
      linkname: '../../etc/passwd',
      body: undefined,
    });
    await expectProblem(await buildTar(entries), 'unsafe-link');
  });

  it('layer symlink to an absolute path: unsafe-link', async () => {
    const entries = legacyEntries(await layers(), []);
    const last = entries.findLast((e) => e.name.endsWith('/layer.tar'))!;
    Object.assign(last, { type: 'symlink', linkname: '/etc/passwd', body: undefined });
    await expectProblem(await buildTar(entries), 'unsafe-link');
  });

  it('hardlink out of the archive: unsafe-link', async () => {
    const entries = legacyEntries(await layers(), []);
    entries.splice(5, 0, { name: 'evil', type: 'link', linkname: '../outside' });
    await expectProblem(await buildTar(entries), 'unsafe-link');
  });

  it('archive cut inside a layer: truncated', async () => {
    const ls = [await fixtureLayer({ a: randomBytes('t', 100_000).toString('hex') })];
    const bytes = await buildTar(legacyEntries(ls, []));
    await expectProblem(bytes.subarray(0, 150_000), 'truncated');
  });

  it('bytes that are no tar: not-a-tar', async () => {
    await expectProblem(randomBytes('not-a-tar', 100_000), 'not-a-tar');
    await expectProblem(Buffer.from('hello'), 'not-a-tar');
    await expectProblem(Buffer.alloc(0), 'not-a-tar');
  });

  it('layer content not matching its diffID: digest-mismatch', async () => {
    const [a, b] = await layers(true);
    const entries = legacyEntries([a!, b!], []);
    withEntry(entries, '/layer.tar', { body: (await fixtureLayer({ a: 'other' }, true)).blob });
    await expectProblem(await buildTar(entries), 'digest-mismatch');
  });

  it('OCI blob not matching its name: digest-mismatch', async () => {
    const ls = await layers(true);
    const entries = ociEntries(ls);
    withEntry(entries, digestHex(ls[1]!.digest), { body: ls[0]!.blob });
    await expectProblem(await buildTar(entries), 'digest-mismatch');
  });

  it('OCI JSON blob not matching its name: digest-mismatch', async () => {
    const entries = ociEntries(await layers());
    const manifestEntry = entries.find(
      (e) => e.name.startsWith('blobs/') && String(e.body ?? '').includes('"schemaVersion"'),
    )!;
    manifestEntry.body = `${manifestEntry.body} `;
    await expectProblem(await buildTar(entries), 'digest-mismatch');
  });

  it('a 10 MB manifest.json: metadata-too-large', async () => {
    const entries = legacyEntries(await layers(), []);
    const manifest = JSON.parse(String(entries.find((e) => e.name === 'manifest.json')!.body));
    manifest[0].RepoTags = Array.from({ length: 700_000 }, (_, i) => `codec-test/x:${i}`);
    const body = JSON.stringify(manifest);
    expect(body.length).toBeGreaterThan(10_000_000);
    withEntry(entries, 'manifest.json', { body });
    await expectProblem(await buildTar(entries), 'metadata-too-large');
  });

  it('JSON beyond a smaller maxMetadataBytes: metadata-too-large', async () => {
    const entries = legacyEntries(await layers(), []);
    await expectProblem(await buildTar(entries), 'metadata-too-large', { maxMetadataBytes: 100 });
  });

  it('manifest.json that is not JSON: invalid-json', async () => {
    const entries = withEntry(legacyEntries(await layers(), []), 'manifest.json', {
      body: '[{"Config":',
    });
    await expectProblem(await buildTar(entries), 'invalid-json');
  });

  it('manifest.json of the wrong shape: invalid-manifest', async () => {
    const entries = withEntry(legacyEntries(await layers(), []), 'manifest.json', {
      body: '{"Config":"x"}',
    });
    await expectProblem(await buildTar(entries), 'invalid-manifest');
  });

  it('fewer layers than diffIDs: invalid-manifest', async () => {
    const entries = legacyEntries(await layers(), []);
    const manifest = JSON.parse(String(entries.find((e) => e.name === 'manifest.json')!.body));
    manifest[0].Layers.pop();
    withEntry(entries, 'manifest.json', { body: JSON.stringify(manifest) });
    await expectProblem(await buildTar(entries), 'invalid-manifest');
  });

  it('an OCI layout of another major version: unsupported-layout', async () => {
    const entries = withEntry(ociEntries(await layers()), 'oci-layout', {
      body: JSON.stringify({ imageLayoutVersion: '2.0.0' }),
    });
    await expectProblem(await buildTar(entries), 'unsupported-layout');
  });

  it('config blob that is a layer: invalid-json', async () => {
    const ls = await layers();
    const entries = legacyEntries(ls, []);
    const manifest = JSON.parse(String(entries.find((e) => e.name === 'manifest.json')!.body));
    manifest[0].Config = manifest[0].Layers[0];
    withEntry(entries, 'manifest.json', { body: JSON.stringify(manifest) });
    await expectProblem(await buildTar(entries), 'invalid-json');
    expect(sha256Digest(ls[0]!.tar)).toBe(ls[0]!.diffId);
  });
});

describe('readImageArchive when the sink fails', () => {
  it('passes the sink error through and discards what was stored before', async () => {
    const ls = [
      await fixtureLayer({ a: '1' }),
      await fixtureLayer({ b: '2' }),
      await fixtureLayer({ c: '3' }),
    ];
    sink = new TempDirSink();
    sinks.push(sink);
    const failing = new Error('disk full');
    let calls = 0;
    const store = sink.store.bind(sink);
    sink.store = async (body, info) => {
      if (++calls === 2) {
        body.destroy();
        throw failing;
      }
      return store(body, info);
    };
    const bytes = await buildTar(legacyEntries(ls, []));
    await expect(readImageArchive(Readable.from([bytes]), sink)).rejects.toBe(failing);
    expect(sink.stored).toHaveLength(1);
    expect(sink.discarded).toEqual(sink.stored);
    expect(sink.remaining()).toEqual([]);
  });
});
