import type { Logger } from 'pino';
import type WebTorrent from '@docket/webtorrent';
import type { Bandwidth } from '../../lib/bandwidth.js';
import { createTorrentClient } from '../../lib/p2p/torrent-client.js';
import { CLIENT_PEER_ID_PREFIX } from '../../lib/torrent.js';
import type { DownloadProgress, TransferStats } from './peer.js';
import type { BlobCache } from './blob-cache.js';
import { type DownloadTuning, downloadTorrent } from './download.js';
import { Seeding } from './seeding.js';
import { TransferTally } from './transfer-stats.js';

export type { DownloadProgress, TransferStats } from './peer.js';

/** Peers remembered across downloads: a deploy's hosts, bounded. */
const MAX_KNOWN_PEERS = 32;

export interface SwarmBlob {
  digest: string;
  size: number;
  /** The blob's .torrent (announce list and BEP 19 url-list as the registry serves it). */
  torrent: Buffer;
}

export interface SwarmClientOptions {
  cache: BlobCache;
  logger?: Logger;
  /** TCP port for incoming peers; 0 or absent picks a free one. */
  torrentPort?: number;
  /** The process's budgets (lib/bandwidth.ts), which every wire and the web seed draw from. */
  bandwidth?: Bandwidth;
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
 * Downloads blobs from the swarm into a BlobCache and seeds cached blobs: one webtorrent
 * client shared by `downloadTorrent` (download.ts: the registry's BEP 19 web seed is
 * only a fallback, see fallback-policy.ts) and `Seeding` (seeding.ts). TCP only (no uTP:
 * a uTP leecher stalls ~40 s), no DHT/LSD/PEX/UPnP; peer id prefix -DKC.
 */
export class SwarmClient {
  private readonly client: WebTorrent;
  private readonly cache: BlobCache;
  private readonly logger: Logger | undefined;
  private readonly tuning: DownloadTuning;
  private readonly seeding: Seeding;
  /**
   * Hosts of the swarm earlier downloads connected to ("ip:port", oldest first): every new
   * download tries them too, as hosts of one deploy fetch the same layers.
   */
  private readonly knownPeers = new Set<string>();
  /** digest → the download under way: a second call for the same blob joins it. */
  private readonly inflight = new Map<string, Promise<{ path: string; stats: TransferStats }>>();

  constructor(opts: SwarmClientOptions) {
    this.cache = opts.cache;
    this.logger = opts.logger;
    this.tuning = {
      stallMs: opts.stallMs ?? 10_000,
      maxPieceFailures: opts.maxPieceFailures ?? 3,
      pieceFailureWindowMs: opts.pieceFailureWindowMs ?? 30_000,
    };
    this.client = createTorrentClient({
      peerIdPrefix: CLIENT_PEER_ID_PREFIX,
      torrentPort: opts.torrentPort ?? 0,
      ...(opts.bandwidth ? { bandwidth: opts.bandwidth } : {}),
    });
    this.client.on('error', (err: Error) => this.logger?.error({ err }, 'torrent client error'));
    this.seeding = new Seeding(this.client, (digest) => this.cache.path(digest), this.logger);
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
   * A call for a blob already being downloaded joins that download (and its result).
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
    if (await this.cache.has(blob.digest)) {
      return { path: this.cache.path(blob.digest), stats: new TransferTally().stats() };
    }
    opts.signal?.throwIfAborted();
    await this.cache.init();
    const partial = this.cache.partialPath(blob.digest);
    const stats = await downloadTorrent(
      this.client,
      { digest: blob.digest, size: blob.size, torrent: blob.torrent, filePath: partial },
      {
        ...this.tuning,
        peers: [...this.knownPeers],
        onPeer: (addr) => this.rememberPeer(addr),
        onBadPeer: (addr) => this.knownPeers.delete(addr),
        logger: this.logger,
        signal: opts.signal,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      },
    );
    const path = await this.cache.commit(blob.digest, partial, {
      size: blob.size,
      torrent: blob.torrent,
    });
    return { path, stats };
  }

  private rememberPeer(addr: string): void {
    this.knownPeers.delete(addr);
    this.knownPeers.add(addr);
    for (const oldest of this.knownPeers) {
      if (this.knownPeers.size <= MAX_KNOWN_PEERS) break;
      this.knownPeers.delete(oldest);
    }
  }

  /**
   * Seeds a cached blob with its .torrent (url-list stripped: a seed needs no web seed).
   * Resolves once the torrent is ready; a no-op when it is seeded already.
   */
  seed(blob: SwarmBlob): Promise<void> {
    return this.seeding.seed(blob);
  }

  /** Stops seeding one blob. */
  unseed(torrent: Buffer): Promise<void> {
    return this.seeding.unseed(torrent);
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
    return this.seeding.activeDigests();
  }

  async destroy(): Promise<void> {
    if (this.client.destroyed) return;
    await new Promise<void>((resolve) => this.client.destroy(() => resolve()));
  }
}
