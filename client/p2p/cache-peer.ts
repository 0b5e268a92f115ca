import type { Bandwidth } from '../../lib/bandwidth.js';
import type { BlobCache } from './blob-cache.js';
import { directThenSwarm } from './direct-download.js';
import type { Peer } from './peer.js';
import type { SwarmClient } from './swarm-client.js';

/** What a blob fetcher asks of a peer: its verified cache and downloads into it. */
export type CachePeer = Pick<Peer, 'cached' | 'store' | 'download'>;

/**
 * A peer over a cache and a swarm client: a direct download first when offered, the swarm
 * resuming it when cut. `client` is asked for only when a blob needs the swarm, so a
 * caller may hand a lazily started one. HTTP bodies (a small blob's, a direct download's)
 * draw from `bandwidth.download`, the budget the swarm client's wires share.
 */
export function cachePeer(
  cache: BlobCache,
  client: () => Promise<Pick<SwarmClient, 'download'>>,
  bandwidth: Bandwidth = {},
): CachePeer {
  const { download: limit } = bandwidth;
  return {
    cached: async (digest) => ((await cache.has(digest)) ? cache.path(digest) : undefined),
    store: (digest, size, body) => cache.store(digest, size, limit ? limit.throttle(body) : body),
    download: (blob, o) => {
      const { direct } = o;
      const open =
        direct && limit
          ? async () => {
              const body = await direct();
              return body && limit.throttle(body);
            }
          : direct;
      return directThenSwarm(cache, blob, open, async () => (await client()).download(blob, o), o);
    },
  };
}
