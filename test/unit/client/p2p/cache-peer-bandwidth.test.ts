import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bandwidthOf } from '../../../../lib/bandwidth.js';
import type { BlobCache } from '../../../../client/p2p/blob-cache.js';
import { cachePeer } from '../../../../client/p2p/cache-peer.js';
import { sha256Digest } from '../../../../lib/digest.js';

const digest = sha256Digest('x');

const noSwarm = async () => {
  throw new Error('no swarm');
};

function storing(stored: Readable[]): BlobCache {
  const cache = {
    store: async (_digest: string, _size: number, body: Readable) => {
      stored.push(body);
      return '/cache/blob';
    },
  };
  return cache as unknown as BlobCache;
}

describe('cachePeer and the download cap', () => {
  it('hands the cache the very body the registry sent', async () => {
    const stored: Readable[] = [];
    const cache = storing(stored);
    const body = Readable.from([Buffer.alloc(10)]);
    await cachePeer(cache, noSwarm).store(digest, 10, body);
    expect(stored[0]).toBe(body);
  });

  it('with a cap, passes the body through the download budget', async () => {
    const stored: Readable[] = [];
    const body = Readable.from([Buffer.alloc(10)]);
    const bandwidth = bandwidthOf({ maxDownloadRate: 1e6 });
    await cachePeer(storing(stored), noSwarm, bandwidth).store(digest, 10, body);
    expect(stored[0]).not.toBe(body);
  });
});
