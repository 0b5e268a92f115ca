import { rm } from 'node:fs/promises';
import parseTorrent from 'parse-torrent';
import type { Logger } from 'pino';
import type WebTorrent from 'webtorrent';
import type { Torrent } from 'webtorrent';
import { PieceVerificationError } from '../../lib/errors.js';
import { createTorrentClient } from '../../lib/torrent-client.js';
import { fileStore } from '../../lib/torrent-file-store.js';
import { CLIENT_PEER_ID_PREFIX } from '../../lib/torrent.js';
import type { BlobCache } from './blob-cache.js';
import { failedPieceIndex, PieceWatch } from './piece-watch.js';
import { TransferTally, type TransferStats } from './transfer-stats.js';

export type { TransferStats } from './transfer-stats.js';

export interface SwarmBlob {
  digest: string;
  size: number;
  /** The blob's .torrent (announce list and BEP 19 url-list as the registry serves it). */
  torrent: Buffer;
}

export interface DownloadProgress {
  downloaded: number;
  total: number;
  peers: number;
  stats: TransferStats;
}

export interface SwarmClientOptions {
  cache: BlobCache;
  logger?: Logger;
  /** TCP port for incoming peers; 0 or absent picks a free one. */
  torrentPort?: number;
  /** Add the web seed when no peer has sent data for this long (default 10 s). */
  stallMs?: number;
  /**
   * Fail the download when one piece failed its hash check this often and every source
   * (the web seed included) sent a bad piece (default 3).
   */
  maxPieceFailures?: number;
  /** Fail the download when a piece failed and none was verified for this long (default 30 s). */
  pieceFailureWindowMs?: number;
}

/**
 * Downloads blobs from the swarm into a BlobCache and seeds cached blobs. The registry's
 * BEP 19 web seed is only a fallback: the url-list is stripped and the web seed added
 * when peers give nothing for `stallMs`, or the tracker cannot be reached. TCP only (no
 * uTP: a uTP leecher stalls ~40 s), no DHT/LSD/PEX/UPnP; peer id prefix -DKC.
 */
export class SwarmClient {
  private readonly client: WebTorrent;
  private readonly cache: BlobCache;
  private readonly logger: Logger | undefined;
  private readonly stallMs: number;
  private readonly maxPieceFailures: number;
  private readonly pieceFailureWindowMs: number;
  /** digest → the download under way: a second call for the same blob joins it. */
  private readonly inflight = new Map<string, Promise<{ path: string; stats: TransferStats }>>();
  /** infohash → digest of the blobs being seeded. */
  private readonly seeding = new Map<string, string>();

  constructor(opts: SwarmClientOptions) {
    this.cache = opts.cache;
    this.logger = opts.logger;
    this.stallMs = opts.stallMs ?? 10_000;
    this.maxPieceFailures = opts.maxPieceFailures ?? 3;
    this.pieceFailureWindowMs = opts.pieceFailureWindowMs ?? 30_000;
    this.client = createTorrentClient({
      peerIdPrefix: CLIENT_PEER_ID_PREFIX,
      torrentPort: opts.torrentPort ?? 0,
    });
    this.client.on('error', (err: Error) => this.logger?.error({ err }, 'torrent client error'));
  }

  get torrentPort(): number {
    return this.client.torrentPort;
  }

  /** Resolves with the TCP port once the client accepts peers. */
  async listening(): Promise<number> {
    if (!this.client.listening) {
      await new Promise<void>((resolve) => this.client.once('listening', () => resolve()));
    }
    return this.client.torrentPort;
  }

  /**
   * Downloads a blob (or finds it in the cache), checks its sha256 and commits it to the
   * cache with its .torrent. Throws DigestMismatchError when the torrent's content is not
   * the blob (the file is removed), PieceVerificationError (a DigestMismatchError) when
   * pieces keep failing their hash check from every source (the partial file is removed),
   * the signal's reason when aborted (the partial file stays, so the next call resumes).
   * A call for a blob already being downloaded joins
   * that download (and its result).
   */
  download(
    blob: SwarmBlob,
    opts: { onProgress?(p: DownloadProgress): void; signal?: AbortSignal } = {},
  ): Promise<{ path: string; stats: TransferStats }> {
    const running = this.inflight.get(blob.digest);
    if (running) return running;
    const started = this.fetch(blob, opts).finally(() => this.inflight.delete(blob.digest));
    this.inflight.set(blob.digest, started);
    return started;
  }

  private async fetch(
    blob: SwarmBlob,
    opts: { onProgress?(p: DownloadProgress): void; signal?: AbortSignal },
  ): Promise<{ path: string; stats: TransferStats }> {
    const tally = new TransferTally();
    if (await this.cache.has(blob.digest)) {
      return { path: this.cache.path(blob.digest), stats: tally.stats() };
    }
    opts.signal?.throwIfAborted();
    await this.cache.init();
    const parsed = await parseTorrent(blob.torrent);
    const webSeeds = parsed.urlList;
    parsed.urlList = [];
    const partial = this.cache.partialPath(blob.digest);
    await this.removeExisting(parsed.infoHash);

    const torrent = this.client.add(parsed, {
      store: fileStore({ filePath: partial }),
      storeCacheSlots: 0,
      strategy: 'rarest',
    });
    const close = () => new Promise<void>((resolve) => torrent.destroy(() => resolve()));
    try {
      await this.run(torrent, blob, webSeeds, tally, opts);
    } catch (err) {
      await close();
      // The pieces kept are verified, but the next pull must not trust this source.
      if (err instanceof PieceVerificationError) await rm(partial, { force: true });
      throw err;
    }
    await close();
    const path = await this.cache.commit(blob.digest, partial, {
      size: blob.size,
      torrent: blob.torrent,
    });
    return { path, stats: tally.stats() };
  }

  private run(
    torrent: Torrent,
    blob: SwarmBlob,
    webSeeds: string[],
    tally: TransferTally,
    opts: { onProgress?(p: DownloadProgress): void; signal?: AbortSignal },
  ): Promise<void> {
    const started = Date.now();
    let lastPeerData = started;
    let announced = false;
    let webSeeded = false;
    const watch = new PieceWatch({
      digest: blob.digest,
      maxFailures: this.maxPieceFailures,
      windowMs: this.pieceFailureWindowMs,
    });
    const useWebSeed = (reason: string) => {
      if (webSeeded || torrent.destroyed || torrent.done) return;
      webSeeded = true;
      if (webSeeds.length === 0) {
        this.logger?.warn({ digest: blob.digest, reason }, 'no peers and no web seed');
        return;
      }
      this.logger?.warn({ digest: blob.digest, reason }, 'falling back to the web seed');
      watch.webSeedAdded();
      for (const url of webSeeds) torrent.addWebSeed(url);
    };
    return new Promise<void>((resolve, reject) => {
      const watchdog = setInterval(
        () => {
          if (Date.now() - lastPeerData >= this.stallMs) useWebSeed('peers stalled');
          const failure = watch.check();
          if (failure) finish(failure);
        },
        Math.max(50, Math.min(1000, this.stallMs / 4)),
      );
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(opts.signal?.reason);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      torrent.on('wire', (wire) => {
        const source = tally.classify(wire);
        watch.watchWire(wire);
        wire.on('download', (bytes: number) => {
          tally.add(source, bytes);
          if (source !== 'fromWebSeed') lastPeerData = Date.now();
        });
      });
      torrent.on('verified', (index: number) => watch.verified(index));
      torrent.on('trackerAnnounce', () => {
        announced = true;
      });
      // Tracker failures arrive as warnings; one before any successful announce means
      // the swarm cannot be found.
      torrent.on('warning', (err: Error) => {
        const piece = failedPieceIndex(err);
        if (piece !== undefined) {
          this.logger?.debug({ digest: blob.digest, piece }, 'piece failed verification');
          // Bad data from peers also resets the stall clock: try the web seed now.
          useWebSeed('a piece failed verification');
          const failure = watch.failed(piece, torrent.wires);
          if (failure) finish(failure);
          return;
        }
        this.logger?.debug({ err: err.message, digest: blob.digest }, 'torrent warning');
        if (!announced && tally.peerBytes() === 0) useWebSeed('tracker unreachable');
      });
      torrent.on('download', () => {
        opts.onProgress?.({
          downloaded: torrent.downloaded,
          total: blob.size,
          peers: torrent.numPeers,
          stats: tally.stats(),
        });
      });
      torrent.once('error', (err: Error) => finish(err));
      torrent.once('close', () => finish(new Error(`download of ${blob.digest} was stopped`)));
      torrent.once('done', () => finish());
      if (torrent.done) finish();
    });
  }

  /**
   * Seeds a cached blob with its .torrent (url-list stripped: a seed needs no web seed).
   * Resolves once the torrent is ready; a no-op when it is seeded already.
   */
  async seed(blob: SwarmBlob): Promise<void> {
    const parsed = await parseTorrent(blob.torrent);
    if (await this.client.get(parsed.infoHash)) return;
    parsed.urlList = [];
    const path = this.cache.path(blob.digest);
    await new Promise<void>((resolve, reject) => {
      const torrent = this.client.add(parsed, {
        store: fileStore({ filePath: path, readOnly: true }),
        storeCacheSlots: 0,
        // Verified by sha256 when it entered the cache.
        skipVerify: true,
      });
      torrent.once('error', reject);
      torrent.once('ready', () => {
        torrent.off('error', reject);
        torrent.on('error', (err: Error) =>
          this.logger?.error({ err, digest: blob.digest }, 'seeding failed'),
        );
        this.seeding.set(parsed.infoHash, blob.digest);
        torrent.once('close', () => this.seeding.delete(parsed.infoHash));
        resolve();
      });
    });
  }

  /** Stops seeding one blob. */
  async unseed(torrent: Buffer): Promise<void> {
    const parsed = await parseTorrent(torrent);
    const t = await this.client.get(parsed.infoHash);
    if (t) await new Promise<void>((resolve) => t.destroy(() => resolve()));
  }

  /** Torrents open, peers connected and bytes uploaded over the torrents open now. */
  stats(): { torrents: number; peers: number; uploadedBytes: number } {
    let peers = 0;
    let uploadedBytes = 0;
    for (const t of this.client.torrents) {
      peers += t.numPeers;
      uploadedBytes += t.uploaded;
    }
    return { torrents: this.client.torrents.length, peers, uploadedBytes };
  }

  /** Digests of the blobs being seeded. */
  activeDigests(): string[] {
    return [...this.seeding.values()];
  }

  async destroy(): Promise<void> {
    if (this.client.destroyed) return;
    await new Promise<void>((resolve) => this.client.destroy(() => resolve()));
  }

  private async removeExisting(infoHash: string): Promise<void> {
    const t = await this.client.get(infoHash);
    if (t) await new Promise<void>((resolve) => t.destroy(() => resolve()));
  }
}
