import type { BlobCache } from '../p2p/blob-cache.js';
import { directThenSwarm } from '../p2p/direct-download.js';
import type { SwarmClient } from '../p2p/swarm-client.js';
import type { FetcherSwarm } from './blob-fetcher.js';

/**
 * The fetcher's peer side over a cache and a swarm client the caller holds (the agent's,
 * which seeds and unseeds them itself): a direct download first when offered, the swarm
 * resuming it when cut.
 */
export function cacheSwarm(cache: BlobCache, client: Pick<SwarmClient, 'download'>): FetcherSwarm {
  return {
    cached: async (digest) => ((await cache.has(digest)) ? cache.path(digest) : undefined),
    store: (digest, size, body) => cache.store(digest, size, body),
    download: (blob, o) =>
      directThenSwarm(cache, blob, o.direct, () => client.download(blob, o), o),
  };
}
