import type { BlobCache } from './blob-cache.js';
import { directThenSwarm } from './direct-download.js';
import type { Peer } from './peer.js';
import type { SwarmClient } from './swarm-client.js';

/** What a blob fetcher asks of a peer: its verified cache and downloads into it. */
export type CachePeer = Pick<Peer, 'cached' | 'store' | 'download'>;

/**
 * A peer over a cache and a swarm client: a direct download first when offered, the swarm
 * resuming it when cut. `client` is asked for only when a blob needs the swarm, so a
 * caller may hand a lazily started one.
 */
export function cachePeer(
  cache: BlobCache,
  client: () => Promise<Pick<SwarmClient, 'download'>>,
): CachePeer {
  return {
    cached: async (digest) => ((await cache.has(digest)) ? cache.path(digest) : undefined),
    store: (digest, size, body) => cache.store(digest, size, body),
    download: (blob, o) =>
      directThenSwarm(cache, blob, o.direct, async () => (await client()).download(blob, o), o),
  };
}
