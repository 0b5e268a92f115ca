import { copyFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { DigestMismatchError, SizeMismatchError } from '../../../lib/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { writeBlob } from '../../helpers/test-blob.js';
import { within } from '../../helpers/within.js';
import { startRegistryFixture } from './fixture.js';

describe('Seeder bounds', () => {
  it('keeps at most maxActive torrents and drops idle ones', async () => {
    const registry = await startRegistryFixture({ maxActive: 2, idleMs: 3_000 });
    try {
      const blobs = await Promise.all([1, 2, 3, 4].map(() => registry.addBlob(70 * 1024)));
      for (const b of blobs) {
        await registry.seeder.seed({ digest: b.digest, path: b.path, size: b.size, info: b.info });
        expect(registry.seeder.stats().activeTorrents).toBeLessThanOrEqual(2);
      }
      // Seeding the same blob again is a no-op.
      const last = blobs[3];
      if (!last) throw new Error('no blob');
      await registry.seeder.seed({
        digest: last.digest,
        path: last.path,
        size: last.size,
        info: last.info,
      });
      expect(registry.seeder.stats().activeTorrents).toBe(2);
      await within(
        10_000,
        'idle torrents dropped',
        (async () => {
          for (let i = 0; i < 100 && registry.seeder.stats().activeTorrents > 0; i++) {
            await new Promise((r) => setTimeout(r, 100));
          }
        })(),
      );
      expect(registry.seeder.stats().activeTorrents).toBe(0);
      // An announce from a peer brings a stored blob back.
      registry.seeder.onAnnounce(last.infoHash);
      registry.seeder.onAnnounce('00'.repeat(20));
      expect(registry.seeder.stats().activeTorrents).toBe(1);
    } finally {
      await registry.close();
    }
  });
});

describe('BlobCache', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('commits only verified files, with their .torrent', async () => {
    const cache = new BlobCache(join(tmp.dir, 'c1'), 1 << 20);
    await cache.init();
    const blob = await writeBlob(tmp.dir, 1000, 'b1');
    const partial = cache.partialPath(blob.digest);
    await copyFile(blob.path, partial);
    expect(await cache.has(blob.digest)).toBe(false);
    const path = await cache.commit(blob.digest, partial, {
      size: 1000,
      torrent: Buffer.from('t'),
    });
    expect(path).toBe(cache.path(blob.digest));
    expect(await cache.has(blob.digest)).toBe(true);
    expect((await cache.torrent(blob.digest))?.toString()).toBe('t');
    expect(await cache.list()).toMatchObject([
      { digest: blob.digest, size: 1000, hasTorrent: true },
    ]);

    const wrong = await writeBlob(tmp.dir, 1000, 'b2');
    const other = join(tmp.dir, 'b2-copy');
    await copyFile(wrong.path, other);
    await expect(cache.commit(blob.digest.replace(/.$/, '0'), other)).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    await expect(stat(other)).rejects.toThrow();
    await copyFile(wrong.path, other);
    await expect(cache.commit(wrong.digest, other, { size: 999 })).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
  });

  it('evicts least recently used blobs beyond maxBytes', async () => {
    const cache = new BlobCache(join(tmp.dir, 'c2'), 2500);
    await cache.init();
    const blobs = [];
    for (let i = 0; i < 3; i++) {
      const b = await writeBlob(tmp.dir, 1000, `e${i}`);
      const tmpFile = join(tmp.dir, `e${i}-copy`);
      await copyFile(b.path, tmpFile);
      await cache.commit(b.digest, tmpFile);
      // Distinct last-use times, oldest first.
      const t = new Date(Date.now() - (10 - i) * 1000);
      await utimes(cache.path(b.digest), t, t);
      blobs.push(b);
    }
    // All three (3000 bytes) exceeded 2500 at the third commit: the oldest went.
    const digests = (await cache.list()).map((b) => b.digest).sort();
    expect(digests).toEqual([blobs[1]?.digest, blobs[2]?.digest].sort());
    // Using blob 1 makes blob 2 the oldest.
    expect(await cache.has(blobs[1]?.digest as string)).toBe(true);
    const t = new Date(Date.now() - 60_000);
    await utimes(cache.path(blobs[2]?.digest as string), t, t);
    const b3 = await writeBlob(tmp.dir, 1000, 'e3');
    await copyFile(b3.path, join(tmp.dir, 'e3-copy'));
    await cache.commit(b3.digest, join(tmp.dir, 'e3-copy'));
    expect((await cache.list()).map((b) => b.digest).sort()).toEqual(
      [blobs[1]?.digest, b3.digest].sort(),
    );
  });

  it('never lists a partial download as a blob', async () => {
    const cache = new BlobCache(join(tmp.dir, 'c3'), 1 << 20);
    await cache.init();
    const blob = await writeBlob(tmp.dir, 100, 'p1');
    await writeFile(cache.partialPath(blob.digest), blob.bytes.subarray(0, 50));
    expect(await cache.list()).toEqual([]);
    expect(await cache.has(blob.digest)).toBe(false);
    expect(await readdir(join(tmp.dir, 'c3', 'partial'))).toHaveLength(1);
  });
});
