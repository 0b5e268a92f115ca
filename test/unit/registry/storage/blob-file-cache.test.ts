import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type Digest, sha256Digest } from '../../../../lib/digest.js';
import { DigestMismatchError } from '../../../../lib/errors.js';
import { BlobUnknownError } from '../../../../registry/errors.js';
import type { BlobStore, ByteRange } from '../../../../registry/storage/blob-store.js';
import { BlobFileCache } from '../../../../registry/storage/blob-file-cache.js';
import { FsBlobStore } from '../../../../registry/storage/fs-blob-store.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'registry-test-cache-'));
  dirs.push(dir);
  return dir;
}

/** A store (FsBlobStore here: the cache only uses the port) that counts ranged reads. */
async function countingStore(): Promise<{ store: BlobStore; ranges: ByteRange[] }> {
  const fs = new FsBlobStore(await temp());
  await fs.init();
  const ranges: ByteRange[] = [];
  const store = Object.assign(Object.create(fs) as FsBlobStore, {
    open: (digest: Digest, range?: ByteRange) => {
      if (range) ranges.push(range);
      return fs.open(digest, range);
    },
  });
  return { store, ranges };
}

const blob = (s: string) => Readable.from([Buffer.from(s)]);

describe('BlobFileCache', () => {
  it('copies a blob in by ranged reads, verified, once', async () => {
    const { store, ranges } = await countingStore();
    const { digest } = await store.put(blob('0123456789abcdef'));
    const cache = new BlobFileCache({ store, dir: await temp(), maxBytes: 1024, rangeBytes: 5 });
    await cache.init();
    expect(await cache.ensureLocal(digest)).toBe(true);
    expect(ranges).toEqual([
      { start: 0, end: 4 },
      { start: 5, end: 9 },
      { start: 10, end: 14 },
      { start: 15, end: 15 },
    ]);
    expect((await readFile(cache.localPath(digest))).toString()).toBe('0123456789abcdef');
    expect(await cache.ensureLocal(digest)).toBe(false);
    expect(ranges).toHaveLength(4);
  });

  it('copies a blob asked for by two seeds at once only once', async () => {
    const { store, ranges } = await countingStore();
    const { digest } = await store.put(blob('asked twice'));
    const cache = new BlobFileCache({ store, dir: await temp(), maxBytes: 1024 });
    await cache.init();
    expect(await Promise.all([cache.ensureLocal(digest), cache.ensureLocal(digest)])).toEqual([
      true,
      true,
    ]);
    expect(ranges).toHaveLength(1);
  });

  it('evicts the least recently used files above its bound, never the one just copied', async () => {
    const { store } = await countingStore();
    const a = (await store.put(blob('a'.repeat(40)))).digest;
    const b = (await store.put(blob('b'.repeat(40)))).digest;
    const c = (await store.put(blob('c'.repeat(40)))).digest;
    const big = (await store.put(blob('d'.repeat(200)))).digest;
    const cache = new BlobFileCache({ store, dir: await temp(), maxBytes: 100 });
    await cache.init();
    await cache.ensureLocal(a);
    await cache.ensureLocal(b);
    await cache.ensureLocal(a); // b is now the least recently used
    await cache.ensureLocal(c);
    expect(cache.size()).toBe(80);
    expect(await cache.ensureLocal(b)).toBe(true);
    expect(await cache.ensureLocal(a)).toBe(true);
    // Larger than the bound: kept alone, for as long as it is the last one asked for.
    await cache.ensureLocal(big);
    expect(cache.size()).toBe(200);
    await expect(readFile(cache.localPath(a))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readFile(cache.localPath(big))).length).toBe(200);
  });

  it('keeps nothing of a blob whose stored bytes do not match its digest', async () => {
    const dir = await temp();
    const fs = new FsBlobStore(dir);
    await fs.init();
    const { digest } = await fs.put(blob('original'));
    await writeFile(fs.localPath(digest), 'tampered');
    const cache = new BlobFileCache({ store: fs, dir: await temp(), maxBytes: 1024 });
    await cache.init();
    await expect(cache.ensureLocal(digest)).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(readFile(cache.localPath(digest))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(cache.size()).toBe(0);
    await expect(cache.ensureLocal(sha256Digest('not stored'))).rejects.toBeInstanceOf(
      BlobUnknownError,
    );
  });

  it('knows the files of an earlier process and evicts the oldest first', async () => {
    const { store } = await countingStore();
    const a = (await store.put(blob('a'.repeat(60)))).digest;
    const b = (await store.put(blob('b'.repeat(60)))).digest;
    const dir = await temp();
    const first = new BlobFileCache({ store, dir, maxBytes: 1000 });
    await first.init();
    await first.ensureLocal(a);
    await first.ensureLocal(b);
    const second = new BlobFileCache({ store, dir, maxBytes: 1000 });
    await second.init();
    expect(second.size()).toBe(120);
    expect(await second.ensureLocal(a)).toBe(false);
    const smaller = new BlobFileCache({ store, dir, maxBytes: 100 });
    await smaller.init();
    expect(smaller.size()).toBe(60);
  });
});
