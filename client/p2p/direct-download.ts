import { access } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DownloadProgress, TransferStats } from './peer.js';
import type { BlobCache } from './blob-cache.js';
import type { GrowingFile } from '../../lib/growing-file.js';

/**
 * Opens a direct download of a blob (plain HTTP from the registry); undefined when the
 * registry says other hosts are on it (take the swarm).
 */
export type DirectOpener = () => Promise<Readable | undefined>;

export interface DirectBlob {
  digest: string;
  size: number;
  /** Stored beside the blob, for seeding it later. */
  torrent: Buffer;
}

export interface DirectOptions {
  onProgress?(p: DownloadProgress): void;
  /** The blob's file while a direct download writes it (BlobCache.receive). */
  onFile?(file: GrowingFile): void;
  logger?: Logger | undefined;
  /** Stops a wait for another process's fetch of the blob. */
  signal?: AbortSignal;
}

/** The committed blob, or the bytes received before a denial (0) or a cut. */
export type DirectOutcome = { path: string } | { received: number };

/**
 * Tries a direct download of `blob` into the cache, before any torrent: no webtorrent is
 * loaded for it. The registry grants one only to a host alone on the blob and cuts it
 * when another host starts (registry/services/direct-gate.ts); what came before the cut
 * stays in the partial file, and the torrent download that follows resumes from it.
 * Skipped (received 0) when a partial file is there already: an earlier torrent
 * download's pieces are worth more than a fresh start. Any failure to open the direct
 * download also means "take the swarm": the swarm has its own fallbacks and errors.
 * Throws what BlobCache.receive throws (a whole body that is not the blob, a full disk).
 */
export async function downloadDirect(
  cache: BlobCache,
  blob: DirectBlob,
  open: DirectOpener,
  opts: DirectOptions = {},
): Promise<DirectOutcome> {
  await cache.init();
  if (await exists(cache.partialPath(blob.digest))) return { received: 0 };
  let body: Readable | undefined;
  try {
    body = await open();
  } catch (err) {
    opts.logger?.debug({ err, digest: blob.digest }, 'direct download failed to start');
    return { received: 0 };
  }
  if (!body) return { received: 0 };
  let received = 0;
  const path = await cache.receive(blob.digest, blob.size, body, {
    torrent: blob.torrent,
    ...(opts.onFile ? { onFile: opts.onFile } : {}),
    onBytes: (n) => {
      received = n;
      opts.onProgress?.({
        downloaded: n,
        total: blob.size,
        peers: 0,
        stats: { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: n },
      });
    },
  });
  if (path) return { path };
  opts.logger?.info(
    { digest: blob.digest, received },
    'direct download cut short: taking the swarm',
  );
  return { received };
}

/** A blob committed to the cache, with where its bytes came from. */
export interface FetchedBlob {
  path: string;
  stats: TransferStats;
}

/**
 * Gets `blob` into the cache: direct over HTTP when `open` is given and the registry grants
 * it, else from the swarm through `fromSwarm`, which resumes a cut direct download from its
 * partial file. Bytes received directly count as web seed bytes. One process at a time
 * downloads a blob into a cache (BlobCache.lock): another one fetching it makes this wait,
 * then take the blob it committed (no bytes received). Throws what downloadDirect and
 * `fromSwarm` throw, and the signal's reason when it aborts while waiting.
 */
export async function directThenSwarm(
  cache: BlobCache,
  blob: DirectBlob,
  open: DirectOpener | undefined,
  fromSwarm: () => Promise<FetchedBlob>,
  opts: DirectOptions = {},
): Promise<FetchedBlob> {
  await cache.init();
  const release = await cache.lock(blob.digest, opts.signal);
  try {
    if (await cache.has(blob.digest)) {
      opts.logger?.debug({ digest: blob.digest }, 'fetched meanwhile by another process');
      return {
        path: cache.path(blob.digest),
        stats: { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 },
      };
    }
    return await directThenSwarmLocked(cache, blob, open, fromSwarm, opts);
  } finally {
    await release();
  }
}

async function directThenSwarmLocked(
  cache: BlobCache,
  blob: DirectBlob,
  open: DirectOpener | undefined,
  fromSwarm: () => Promise<FetchedBlob>,
  opts: DirectOptions,
): Promise<FetchedBlob> {
  let viaHttp = 0;
  if (open) {
    const outcome = await downloadDirect(cache, blob, open, opts);
    if ('path' in outcome) {
      const stats = { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: blob.size };
      return { path: outcome.path, stats };
    }
    viaHttp = outcome.received;
  }
  const { path, stats } = await fromSwarm();
  return { path, stats: { ...stats, fromWebSeed: stats.fromWebSeed + viaHttp } };
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
