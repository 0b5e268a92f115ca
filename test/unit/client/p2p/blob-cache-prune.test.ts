import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../../client/p2p/blob-cache.js';
import { randomBytes } from '../../../../testbed/images.js';
import { sha256Digest } from '../../../../lib/digest.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('BlobCache partial downloads and prune', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await tmp?.cleanup();
    tmp = undefined;
  });

  const cache = async (maxBytes: number) => {
    tmp = await tempDir();
    const c = new BlobCache(join(tmp.dir, 'cache'), maxBytes);
    await c.init();
    return c;
  };

  /** Stores a blob of `size` random bytes, last used `ageMs` ago. */
  const stored = async (c: BlobCache, seed: string, size: number, ageMs: number) => {
    const bytes = randomBytes(seed, size);
    const digest = sha256Digest(bytes);
    await c.store(digest, size, Readable.from([bytes]));
    const when = new Date(Date.now() - ageMs);
    await utimes(c.path(digest), when, when);
    return digest;
  };

  const partial = async (c: BlobCache, seed: string, size: number, ageMs: number) => {
    const digest = sha256Digest(Buffer.from(seed));
    await writeFile(c.partialPath(digest), randomBytes(seed, size));
    const when = new Date(Date.now() - ageMs);
    await utimes(c.partialPath(digest), when, when);
    return digest;
  };

  it('counts partial downloads against the size limit, evicting only complete blobs', async () => {
    const c = await cache(10_000);
    const oldest = await stored(c, 'a', 3000, 30_000);
    const older = await stored(c, 'b', 3000, 20_000);
    const newer = await stored(c, 'c', 3000, 10_000);
    const inProgress = await partial(c, 'p', 4096, 0);
    const latest = await stored(c, 'd', 500, 0);
    const left = (await c.list()).map((b) => b.digest).sort();
    expect(left).toEqual([newer, latest].sort());
    expect(left).not.toContain(oldest);
    expect(left).not.toContain(older);
    expect((await c.partials()).map((p) => p.digest)).toEqual([inProgress]);
  });

  it('prune removes stale partial downloads and fits the limit; --all empties the cache', async () => {
    const c = await cache(1 << 20);
    const blob = await stored(c, 'kept', 2000, 0);
    const stale = await partial(c, 'stale', 4096, 2 * 3600_000);
    const fresh = await partial(c, 'fresh', 4096, 0);
    const pruned = await c.prune();
    expect(pruned).toEqual({ blobs: [], partials: [stale], bytes: 4096 });
    expect((await c.partials()).map((p) => p.digest)).toEqual([fresh]);
    const all = await c.prune({ all: true });
    expect(all).toEqual({ blobs: [blob], partials: [fresh], bytes: 4096 + 2000 });
    expect(await c.list()).toEqual([]);
    expect(await c.partials()).toEqual([]);
  });
});
