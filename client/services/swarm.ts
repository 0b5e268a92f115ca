import type { Digest } from '../../lib/digest.js';

/** Bytes of one blob by where they came from (BitTorrent peers vs the registry). */
export interface TransferStats {
  /** From other hosts of the swarm. */
  fromPeers: number;
  /** From the registry's own BitTorrent seeder. */
  fromRegistrySeed: number;
  /** From the registry's HTTP blob URL (BEP 19 web seed). */
  fromWebSeed: number;
}

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
export interface Swarm {
  /** Path of a complete, verified blob in the cache, or undefined. */
  cached(digest: Digest, size: number): Promise<string | undefined>;
  /** Downloads a blob from the swarm into the cache; rejects on a digest mismatch. */
  download(
    blob: TorrentBlob,
    opts: { onProgress?(p: DownloadProgress): void; signal?: AbortSignal },
  ): Promise<{ path: string; stats: TransferStats }>;
  /** Seeds a cached blob to other peers. */
  seed(blob: TorrentBlob): Promise<void>;
  destroy(): Promise<void>;
}

export interface SwarmOptions {
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
}
