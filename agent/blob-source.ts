import type { AgentBytes } from '../lib/api/index.js';
import type { Digest } from '../lib/digest.js';
import { directThenSwarm } from '../client/p2p/direct-download.js';
import type { RegistryClient } from '../client/registry-client.js';
import { HTTP_BLOB_MAX_BYTES } from '../client/services/layer-fetches.js';
import type { DownloadProgress, TorrentBlob, TransferStats } from '../client/p2p/swarm.js';
import type { AgentCache } from './agent-cache.js';

/** What the agent needs of the swarm client (client/p2p/swarm-client.ts SwarmClient). */
export interface AgentSwarm {
  /** Downloads into the cache and commits the blob once its sha256 is checked. */
  download(
    blob: TorrentBlob,
    opts: { onProgress?(p: DownloadProgress): void },
  ): Promise<{ path: string; stats: TransferStats }>;
  seed(blob: TorrentBlob): Promise<void>;
  unseed(torrent: Buffer): Promise<void>;
}

export interface BlobSourceDeps {
  registry: RegistryClient;
  cache: AgentCache;
  swarm: AgentSwarm;
  onWarning(message: string): void;
}

/**
 * Puts blobs into the agent's cache, verified: small ones (up to HTTP_BLOB_MAX_BYTES, as
 * `docket pull` does) over HTTP from the registry, hashed while written; the others direct
 * over HTTP when the registry grants it (a host alone on the blob), else as torrents from
 * the swarm (resuming a cut direct download), then seeded. Concurrent requests for one digest share one fetch.
 * A blob that fails verification is never committed: the fetch rejects with
 * DigestMismatchError / SizeMismatchError and the next request tries again.
 */
export class BlobSource {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly bytes: AgentBytes = { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 };

  constructor(private readonly deps: BlobSourceDeps) {}

  /** Resolves once blob `digest` of `size` bytes is in the cache (at once when it is). */
  ensure(repository: string, digest: Digest, size: number): Promise<void> {
    const running = this.inflight.get(digest);
    if (running) return running;
    const release = this.deps.cache.pin(digest);
    const started = this.fetch(repository, digest, size).finally(() => {
      this.inflight.delete(digest);
      release();
    });
    this.inflight.set(digest, started);
    return started;
  }

  /** Bytes received so far, by source. */
  received(): AgentBytes {
    return { ...this.bytes };
  }

  private async fetch(repository: string, digest: Digest, size: number): Promise<void> {
    const { cache, registry, swarm } = this.deps;
    if (await cache.blobs.has(digest)) return;
    if (size <= HTTP_BLOB_MAX_BYTES) {
      const body = await registry.openBlob(repository, digest);
      await cache.blobs.store(digest, size, body);
      this.bytes.fromWebSeed += size;
    } else {
      const blob: TorrentBlob = { digest, size, torrent: await registry.getTorrent(digest) };
      // A host alone on the blob gets it direct over HTTP; cut short, the swarm resumes it.
      const { stats } = await directThenSwarm(
        cache.blobs,
        blob,
        () => registry.openDirect(repository, digest),
        () => swarm.download(blob, {}),
      );
      this.bytes.fromPeers += stats.fromPeers;
      this.bytes.fromRegistrySeed += stats.fromRegistrySeed;
      this.bytes.fromWebSeed += stats.fromWebSeed;
      await swarm
        .seed(blob)
        .catch((err: unknown) => this.deps.onWarning(`cannot seed ${digest}: ${String(err)}`));
    }
    await cache.trim();
  }
}
