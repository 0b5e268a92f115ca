import { describe, expect, it } from 'vitest';
import type { AgentCache } from '../../../agent/agent-cache.js';
import { BlobSource } from '../../../agent/blob-source.js';
import type { BlobFetcher, FetchedBlob } from '../../../client/fetch/blob-fetcher.js';
import { deferred } from '../../../lib/deferred.js';
import { parseDigest } from '../../../lib/digest.js';

const DIGEST = parseDigest(`sha256:${'d'.repeat(64)}`);
const NO_BYTES = { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 };

/** An agent cache that records pins and trims, and a fetcher answering what the test says. */
function source(answer: () => Promise<FetchedBlob>) {
  const log: string[] = [];
  const cache = {
    pin: (digest: string) => {
      log.push(`pin ${digest}`);
      return () => log.push(`release ${digest}`);
    },
    trim: async () => {
      log.push('trim');
      return [];
    },
  } as unknown as AgentCache;
  const fetcher = {
    fetch: () => {
      log.push('fetch');
      return answer();
    },
    received: () => ({ ...NO_BYTES, fromPeers: 9 }),
  } as unknown as BlobFetcher;
  return { blobs: new BlobSource(fetcher, cache), log };
}

describe('BlobSource (the agent over the client blob fetcher)', () => {
  it('pins the blob while it is fetched, then trims the cache before releasing it', async () => {
    const fetched = deferred<FetchedBlob>();
    const { blobs, log } = source(() => fetched.promise);
    const ensure = blobs.ensure('app', DIGEST, 10);
    expect(log).toEqual([`pin ${DIGEST}`, 'fetch']);
    fetched.resolve({ path: '/p', fromCache: false, stats: NO_BYTES });
    await ensure;
    expect(log).toEqual([`pin ${DIGEST}`, 'fetch', 'trim', `release ${DIGEST}`]);
    expect(blobs.received().fromPeers).toBe(9);
  });

  it('does not trim for a blob the cache had, and releases the pin when the fetch fails', async () => {
    const hit = source(async () => ({ path: '/p', fromCache: true, stats: NO_BYTES }));
    await hit.blobs.ensure('app', DIGEST, 10);
    expect(hit.log).toEqual([`pin ${DIGEST}`, 'fetch', `release ${DIGEST}`]);

    const failure = new Error('unreachable');
    const failed = source(() => Promise.reject(failure));
    await expect(failed.blobs.ensure('app', DIGEST, 10)).rejects.toBe(failure);
    expect(failed.log).toEqual([`pin ${DIGEST}`, 'fetch', `release ${DIGEST}`]);
  });
});
