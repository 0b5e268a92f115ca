import { HTTP_BLOB_MAX_BYTES } from '../fetch/blob-fetcher.js';
import { warningLogger } from '../warning-logger.js';
import { claimSeeding } from './seeder-handoff.js';

export interface SeedOptions {
  cacheDir: string;
  cacheBytes: number;
  /** TCP port for incoming peers (0: any free port). */
  torrentPort: number;
  /** Cap on what is uploaded to peers, in bytes per second (0 or absent: none). */
  maxUploadRate?: number;
  /** Time between scans of the cache for newly cached blobs. */
  rescanMs: number;
  /** Seeding stops when it aborts. */
  signal: AbortSignal;
  onEvent(event: SeedEvent): void;
  onWarning(message: string): void;
}

export type SeedEvent =
  | { kind: 'seeding'; digest: string }
  | { kind: 'listening'; blobs: number; port: number }
  | { kind: 'stopped'; uploadedBytes: number };

/**
 * `docket seed`: seeds every cached blob that has its .torrent beside it, scans the cache
 * again every `rescanMs`, until `signal` aborts; then destroys the swarm client. While it
 * runs it holds the cache's seeder record (seeder-handoff.ts), so pulls return at once.
 */
export async function seedCachedBlobs(opts: SeedOptions): Promise<void> {
  const [{ BlobCache }, { SwarmClient }, { seedCache }] = await Promise.all([
    import('../p2p/blob-cache.js'),
    import('../p2p/swarm-client.js'),
    import('../p2p/seed-cache.js'),
  ]);
  const cache = new BlobCache(opts.cacheDir, opts.cacheBytes);
  await cache.init();
  const logger = warningLogger(opts.onWarning);
  const bandwidth = opts.maxUploadRate
    ? (await import('../../lib/bandwidth.js')).bandwidthOf({ maxUploadRate: opts.maxUploadRate })
    : {};
  const client = new SwarmClient({ cache, torrentPort: opts.torrentPort, bandwidth, logger });
  // From here on pulls on this cache leave seeding to this process (seeder-handoff.ts).
  const release = await claimSeeding(opts.cacheDir, 'docket seed');
  const warned = new Set<string>();
  const scan = async () => {
    const result = await seedCache(cache, client, logger);
    for (const digest of result.seeded) opts.onEvent({ kind: 'seeding', digest });
    const sizes = new Map((await cache.list()).map((b) => [b.digest, b.size]));
    const missing = torrentsMissing(result.withoutTorrent, sizes, warned);
    if (missing.length > 0)
      opts.onWarning(`${missing.length} cached blob(s) have no .torrent: not seeded`);
  };
  try {
    await scan();
    const port = await client.listening();
    opts.onEvent({ kind: 'listening', blobs: client.activeDigests().length, port });
    const { signal } = opts;
    await new Promise<void>((resolve) => {
      const timer = setInterval(
        () => void scan().catch((err) => opts.onWarning(String(err))),
        opts.rescanMs,
      );
      const stop = () => {
        clearInterval(timer);
        resolve();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
    opts.onEvent({ kind: 'stopped', uploadedBytes: client.stats().uploadedBytes });
  } finally {
    await release();
    await client.destroy();
  }
}

/**
 * The blobs without a .torrent worth a warning: not the small ones, which are fetched
 * whole over HTTP and never have a torrent by design (HTTP_BLOB_MAX_BYTES), and each
 * digest once (`warned` remembers them across rescans).
 */
export function torrentsMissing(
  withoutTorrent: readonly string[],
  sizes: ReadonlyMap<string, number>,
  warned: Set<string>,
): string[] {
  const missing = withoutTorrent.filter(
    (digest) => !warned.has(digest) && (sizes.get(digest) ?? 0) > HTTP_BLOB_MAX_BYTES,
  );
  for (const digest of missing) warned.add(digest);
  return missing;
}
