import type { Digest } from '../../lib/digest.js';
import type { GrowingFile } from '../../lib/growing-file.js';
import { InterruptedError } from '../errors.js';
import type { FetchedBlob as CommittedBlob } from '../p2p/direct-download.js';
import type { CachePeer } from '../p2p/cache-peer.js';
import type { DownloadProgress, TorrentBlob, TransferStats } from '../p2p/peer.js';
import type { RegistryClient } from '../registry-client.js';
import { type DirectTurn, directTurns } from './direct-turns.js';

/**
 * Blobs up to this size come over plain HTTP from the registry, verified while they are
 * written: for them a torrent (fetch the .torrent, announce, connect, exchange bitfields)
 * costs more round trips than the bytes, and the registry's egress for them is small.
 */
export const HTTP_BLOB_MAX_BYTES = 1024 * 1024;

export const noBytes = (): TransferStats => ({ fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 });

/** What the fetcher asks of the registry (RegistryClient). */
export type FetcherRegistry = Pick<RegistryClient, 'openBlob' | 'openDirect' | 'getTorrent'>;

export interface BlobRequest {
  /** The repository the blob is read through (the registry checks pull access on it). */
  repository: string;
  digest: Digest;
  size: number;
}

/** The verified blob in the cache and the bytes received for it, by source (none for a cache hit). */
export interface FetchedBlob extends CommittedBlob {
  fromCache: boolean;
  /** The blob and its .torrent when it can be seeded (see BlobFetcherOptions.torrentOfCached). */
  torrent?: TorrentBlob;
}

/** One progress report of a fetch; the last one of each fetch is `cached` or `done`. */
export interface BlobProgress {
  digest: Digest;
  size: number;
  state: 'cached' | 'downloading' | 'done';
  downloaded: number;
  peers: number;
  stats: TransferStats;
}

export interface BlobFetcherOptions {
  registry: FetcherRegistry;
  peer: CachePeer;
  /** Ask the registry for a direct (HTTP) download of each torrent blob first. */
  direct: boolean;
  /**
   * Direct downloads take turns in the order fetches start (direct-turns.ts): a pull
   * starts its fetches bottom layer first.
   */
  directTurns?: boolean;
  /** A cached blob of torrent size comes back with its .torrent, to be seeded like a fetched one. */
  torrentOfCached?: boolean;
  /** Stops every fetch: they reject with InterruptedError or the signal's reason. */
  signal?: AbortSignal;
  /**
   * Seeds a blob fetched as a torrent before its fetch resolves; a failure goes to
   * `onWarning` and does not fail the fetch.
   */
  seed?(blob: TorrentBlob): Promise<void>;
  onWarning?(message: string): void;
  onProgress?(progress: BlobProgress): void;
  /** A blob's file while a direct download writes it, front to back, not verified yet. */
  onFile?(digest: Digest, file: GrowingFile): void;
}

/**
 * Fetches blobs into the cache, verified, one fetch per digest however many callers ask
 * for it at once (a later call joins the running fetch and gets its result). The policy:
 * the cache; else a small blob (up to HTTP_BLOB_MAX_BYTES) whole over HTTP from the
 * registry; else, with the blob's .torrent, a direct download when offered and granted
 * (the registry grants one to a host alone on the blob), else or after a cut the swarm;
 * then `seed`. A blob that fails verification is never committed: the fetch rejects with
 * DigestMismatchError / SizeMismatchError and the next call tries again. Also rejects
 * with the registry's and the swarm's errors, and InterruptedError once `signal` aborts.
 */
export class BlobFetcher {
  private readonly inflight = new Map<Digest, Promise<FetchedBlob>>();
  private readonly torrents = new Map<Digest, Promise<Buffer>>();
  private readonly bytes = noBytes();
  private readonly takeTurn: (() => DirectTurn) | undefined;

  constructor(private readonly opts: BlobFetcherOptions) {
    this.takeTurn = opts.directTurns ? directTurns() : undefined;
  }

  /** The verified blob in the cache, fetched first when it is not there. */
  fetch(request: BlobRequest): Promise<FetchedBlob> {
    const running = this.inflight.get(request.digest);
    if (running) return running;
    // Taken at once, so turns go in the order fetches start.
    const turn = this.takeTurn?.();
    const started = this.run(request, turn).finally(() => {
      this.inflight.delete(request.digest);
      turn?.release();
    });
    this.inflight.set(request.digest, started);
    return started;
  }

  /**
   * Asks the registry now for the .torrent of each of `blobs` that will need one: once
   * the swarm is under way, a registry that goes away only takes its seed and web seed
   * with it, not the blobs whose fetch has not started yet. Each is used once.
   */
  prefetchTorrents(blobs: ReadonlyArray<{ digest: Digest; size: number }>): void {
    for (const { digest, size } of blobs) {
      if (size <= HTTP_BLOB_MAX_BYTES || this.torrents.has(digest)) continue;
      const torrent = this.opts.registry.getTorrent(digest);
      torrent.catch(() => {});
      this.torrents.set(digest, torrent);
    }
  }

  /** Bytes received so far, by source. */
  received(): TransferStats {
    return { ...this.bytes };
  }

  private async run(request: BlobRequest, turn: DirectTurn | undefined): Promise<FetchedBlob> {
    const { repository, digest, size } = request;
    const { registry, peer, signal } = this.opts;
    if (signal?.aborted) throw new InterruptedError();
    const viaTorrent = size > HTTP_BLOB_MAX_BYTES;
    const cached = await peer.cached(digest, size);
    if (cached) {
      this.report(digest, size, 'cached', size, noBytes());
      if (!viaTorrent || !this.opts.torrentOfCached)
        return { path: cached, fromCache: true, stats: noBytes() };
      const torrent = { digest, size, torrent: await this.torrentOf(digest) };
      return { path: cached, fromCache: true, torrent, stats: noBytes() };
    }
    this.report(digest, size, 'downloading', 0, noBytes());
    if (!viaTorrent) {
      const body = await registry.openBlob(repository, digest, signal);
      const path = await peer.store(digest, size, body);
      return this.done(digest, size, {
        path,
        fromCache: false,
        stats: { ...noBytes(), fromWebSeed: size },
      });
    }
    return this.viaSwarm(request, turn);
  }

  private async viaSwarm(
    { repository, digest, size }: BlobRequest,
    turn: DirectTurn | undefined,
  ): Promise<FetchedBlob> {
    const { registry, peer, signal, onProgress, onFile } = this.opts;
    const blob: TorrentBlob = { digest, size, torrent: await this.torrentOf(digest) };
    const open = () => registry.openDirect(repository, digest, signal);
    const { path, stats } = await peer.download(blob, {
      ...(signal ? { signal } : {}),
      ...(this.opts.direct ? { direct: turn ? () => turn.open(open) : open } : {}),
      ...(onFile ? { onFile: (file: GrowingFile) => onFile(digest, file) } : {}),
      ...(onProgress
        ? {
            onProgress: (p: DownloadProgress) =>
              onProgress({
                digest,
                size,
                state: 'downloading',
                downloaded: p.downloaded,
                peers: p.peers,
                stats: p.stats,
              }),
          }
        : {}),
    });
    if (signal?.aborted) throw new InterruptedError();
    await this.seed(blob);
    return this.done(digest, size, { path, fromCache: false, torrent: blob, stats });
  }

  private done(digest: Digest, size: number, fetched: FetchedBlob): FetchedBlob {
    this.bytes.fromPeers += fetched.stats.fromPeers;
    this.bytes.fromRegistrySeed += fetched.stats.fromRegistrySeed;
    this.bytes.fromWebSeed += fetched.stats.fromWebSeed;
    this.report(digest, size, 'done', size, fetched.stats);
    return fetched;
  }

  private async seed(blob: TorrentBlob): Promise<void> {
    if (!this.opts.seed) return;
    try {
      await this.opts.seed(blob);
    } catch (err) {
      this.opts.onWarning?.(`cannot seed ${blob.digest}: ${String(err)}`);
    }
  }

  private torrentOf(digest: Digest): Promise<Buffer> {
    const prefetched = this.torrents.get(digest);
    this.torrents.delete(digest);
    return prefetched ?? this.opts.registry.getTorrent(digest);
  }

  private report(
    digest: Digest,
    size: number,
    state: BlobProgress['state'],
    downloaded: number,
    stats: TransferStats,
  ): void {
    this.opts.onProgress?.({ digest, size, state, downloaded, peers: 0, stats });
  }
}
