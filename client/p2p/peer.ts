import type { Readable } from 'node:stream';
import type { RateLimits } from '../../lib/bandwidth.js';
import type { Digest } from '../../lib/digest.js';
import type { TransferStats } from '../../lib/api/index.js';
import type { GrowingFile } from '../../lib/growing-file.js';

export type { TransferStats } from '../../lib/api/index.js';

/** One progress report of a download. */
export interface DownloadProgress {
  downloaded: number;
  total: number;
  peers: number;
  stats: TransferStats;
}

export interface TorrentBlob {
  digest: Digest;
  size: number;
  /** The .torrent file from the registry. */
  torrent: Buffer;
}

/**
 * What `docket pull` needs from the peer-to-peer side (client/p2p: BlobCache +
 * SwarmClient): a verified blob cache and torrent downloads into it.
 */
export interface Peer {
  /** Path of a complete, verified blob in the cache, or undefined. */
  cached(digest: Digest, size: number): Promise<string | undefined>;
  /** Downloads a blob from the swarm into the cache; rejects on a digest mismatch. */
  download(
    blob: TorrentBlob,
    opts: {
      onProgress?(p: DownloadProgress): void;
      signal?: AbortSignal;
      /**
       * Try a direct download (plain HTTP) first; undefined from it: the registry said
       * other hosts are on the blob. Cut short, the swarm resumes from what came.
       */
      direct?(): Promise<Readable | undefined>;
      /** The blob's file while a direct download writes it, front to back. */
      onFile?(file: GrowingFile): void;
    },
  ): Promise<{ path: string; stats: TransferStats }>;
  /**
   * Stores a blob fetched another way (HTTP) into the cache, verified while written;
   * resolves with its path. Rejects with DigestMismatchError / SizeMismatchError.
   */
  store(digest: Digest, size: number, body: Readable): Promise<string>;
  /** Seeds a cached blob to other peers. */
  seed(blob: TorrentBlob): Promise<void>;
  destroy(): Promise<void>;
}

export interface PeerOptions {
  cacheDir: string;
  cacheBytes: number;
  /** Non-fatal trouble, e.g. a tracker that does not answer. */
  onWarning?(message: string): void;
  /**
   * Seed each blob as soon as it is downloaded and verified, not only after the whole
   * pull: hosts still fetching other layers can then get this one from us, so the
   * registry's seed stops being the only complete source during a swarm deploy.
   */
  seedEarly?: boolean;
  /** Caps for the peer's traffic, swarm and HTTP alike (lib/bandwidth.ts); absent or 0: none. */
  rates?: Partial<RateLimits>;
}
