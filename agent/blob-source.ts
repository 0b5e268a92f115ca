import type { Digest } from '../lib/digest.js';
import type { BlobFetcher } from '../client/fetch/blob-fetcher.js';
import type { TransferStats } from '../client/p2p/peer.js';
import type { AgentCache } from './agent-cache.js';

/**
 * The agent's blobs: the client's BlobFetcher (one fetch per digest, shared) over the
 * agent's cache, each blob pinned there while it is fetched and the cache trimmed to its
 * bound after a fetch that added to it. Rejects as BlobFetcher.fetch and AgentCache.trim do.
 */
export class BlobSource {
  constructor(
    private readonly fetcher: BlobFetcher,
    private readonly cache: AgentCache,
  ) {}

  /** Resolves once blob `digest` of `size` bytes is in the cache (at once when it is). */
  async ensure(repository: string, digest: Digest, size: number): Promise<void> {
    const release = this.cache.pin(digest);
    try {
      const fetched = await this.fetcher.fetch({ repository, digest, size });
      if (!fetched.fromCache) await this.cache.trim();
    } finally {
      release();
    }
  }

  /** Bytes received so far, by source. */
  received(): TransferStats {
    return this.fetcher.received();
  }
}
