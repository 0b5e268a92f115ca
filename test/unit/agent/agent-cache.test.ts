import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCache } from '../../../agent/agent-cache.js';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { type Digest, sha256Digest } from '../../../lib/digest.js';

describe('AgentCache', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function setup(maxBytes: number) {
    dir = await mkdtemp(join(tmpdir(), 'agent-cache-'));
    const blobs = new BlobCache(dir, Number.POSITIVE_INFINITY);
    await blobs.init();
    const unseeded: Digest[] = [];
    const cache = new AgentCache(blobs, maxBytes, async (d) => {
      unseeded.push(d);
    });
    let age = 0;
    const add = async (size: number): Promise<Digest> => {
      const bytes = randomBytes(size);
      const digest = sha256Digest(bytes);
      await blobs.store(digest, size, Readable.from([bytes]));
      // Older blobs first: distinct last-use times, a second apart.
      const t = new Date(Date.now() - 100_000 + age++ * 1000);
      await utimes(blobs.path(digest), t, t);
      return digest;
    };
    return { blobs, cache, unseeded, add };
  }

  it('evicts least recently used blobs first, unseeding them, until the cache fits', async () => {
    const { blobs, cache, unseeded, add } = await setup(250);
    const a = await add(100);
    const b = await add(100);
    const c = await add(100);
    expect(await cache.trim()).toEqual([a]);
    expect(unseeded).toEqual([a]);
    expect(await blobs.has(a)).toBe(false);
    expect(await blobs.has(b)).toBe(true);
    expect(await blobs.has(c)).toBe(true);
  });

  it('never evicts a blob in use; it goes once released', async () => {
    const { cache, add } = await setup(150);
    const a = await add(100);
    const b = await add(100);
    const release = cache.pin(a);
    expect(await cache.trim()).toEqual([b]);
    release();
    release();
    expect(cache.inUse(a)).toBe(false);
    expect(await cache.usage()).toEqual({ blobs: 1, bytes: 100 });
  });
});
