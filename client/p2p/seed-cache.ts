import type { Logger } from 'pino';
import type { BlobCache } from './blob-cache.js';
import type { SwarmClient } from './swarm-client.js';

export interface SeedCacheResult {
  /** Blobs newly seeded by this call. */
  seeded: string[];
  /** Blobs without a stored .torrent (put in the cache by other means): not seedable. */
  withoutTorrent: string[];
  /** Blobs whose seeding failed (logged). */
  failed: string[];
}

/**
 * Seeds every cached blob that has its .torrent beside it (`docket seed`); blobs seeded
 * already are left as they are, so calling it again picks up newly cached blobs.
 */
export async function seedCache(
  cache: BlobCache,
  client: SwarmClient,
  logger?: Logger,
): Promise<SeedCacheResult> {
  const result: SeedCacheResult = { seeded: [], withoutTorrent: [], failed: [] };
  const active = new Set(client.activeDigests());
  for (const blob of await cache.list()) {
    if (active.has(blob.digest)) continue;
    const torrent = await cache.torrent(blob.digest);
    if (!torrent) {
      result.withoutTorrent.push(blob.digest);
      continue;
    }
    try {
      await client.seed({ digest: blob.digest, size: blob.size, torrent });
      result.seeded.push(blob.digest);
    } catch (err) {
      logger?.warn({ err, digest: blob.digest }, 'cannot seed cached blob');
      result.failed.push(blob.digest);
    }
  }
  return result;
}
