import type { Peer, PeerOptions, TorrentBlob } from './peer.js';
import type { SwarmClient } from './swarm-client.js';

/**
 * The peer `docket pull` uses: BlobCache + SwarmClient, a direct download first when the
 * caller offers one (direct-download.ts). webtorrent is loaded only when a blob needs a
 * torrent or is seeded: a pull whose layers are cached, present, small or fetched direct
 * waits for it nowhere. Early seeding runs beside the pull; `destroy` waits for it.
 */
export async function createPeer(opts: PeerOptions): Promise<Peer> {
  const { BlobCache } = await import('./blob-cache.js');
  // Loaded only for a cap: without one, nothing of it is on the data path.
  const capped = Object.values(opts.rates ?? {}).some((rate) => rate > 0);
  const bandwidth = capped
    ? (await import('../../lib/bandwidth.js')).bandwidthOf(opts.rates ?? {})
    : {};
  const cache = new BlobCache(opts.cacheDir, opts.cacheBytes);
  await cache.init();
  let client: Promise<SwarmClient> | undefined;
  const swarmClient = (): Promise<SwarmClient> => {
    client ??= Promise.all([import('./swarm-client.js'), import('../warning-logger.js')]).then(
      ([{ SwarmClient }, { warningLogger }]) =>
        new SwarmClient({
          cache,
          bandwidth,
          ...(opts.onWarning ? { logger: warningLogger(opts.onWarning) } : {}),
        }),
    );
    return client;
  };
  // Not awaited by the download: the pull goes on (the next layer's load) while the torrent
  // gets ready; a direct download's blob first loads webtorrent here.
  const seeding = new Set<Promise<void>>();
  const seedSoon = (blob: TorrentBlob) => {
    const started = swarmClient()
      .then((c) => c.seed(blob))
      .catch((err: unknown) =>
        opts.onWarning?.(`seeding ${blob.digest} failed: ${(err as Error).message}`),
      )
      .finally(() => seeding.delete(started));
    seeding.add(started);
  };
  const { cachePeer } = await import('./cache-peer.js');
  const peer = cachePeer(cache, swarmClient, bandwidth);
  return {
    ...peer,
    download: async (blob, o) => {
      const fetched = await peer.download(blob, o);
      if (opts.seedEarly) seedSoon(blob);
      return fetched;
    },
    seed: async (blob) => (await swarmClient()).seed(blob),
    destroy: async () => {
      await Promise.allSettled([...seeding]);
      if (client) await (await client).destroy();
    },
  };
}
