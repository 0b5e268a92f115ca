import type { Digest } from '../../lib/digest.js';
import { TorrentUnknownError } from '../errors.js';
import type { BlobRecord } from '../metadata/blobs.js';
import type { BlobService } from './blobs.js';

/** lib/torrent.ts functions rendering a stored torrent info dictionary. */
export interface TorrentRendering {
  renderTorrentFile(info: Buffer, opts: { announce: string[]; urlList: string[] }): Buffer;
  magnetLink(
    infoHash: string,
    opts: { name: string; announce: string[]; urlList: string[] },
  ): string;
}

export interface TorrentLinks {
  /**
   * Announce URLs from the current config: embedded tracker and every --tracker-url. In a
   * private registry the embedded tracker's URL carries the passkey of `viewer` (the
   * requesting token's name; null when anonymous).
   */
  announce(viewer: string | null): string[];
  /** The BEP 19 web seed URL of a blob (signed and short-lived in a private registry). */
  webSeedUrl(digest: Digest, viewer: string | null): string;
}

/** .torrent files and magnet links of stored blobs, rendered with the current announce list. */
export class TorrentService {
  constructor(
    private readonly blobs: BlobService,
    private readonly render: TorrentRendering,
    private readonly links: TorrentLinks,
  ) {}

  /**
   * The blob's record and .torrent bytes for `viewer` (see TorrentLinks.announce); the
   * infohash is the same for everyone, only the announce and url-list differ. Throws
   * TorrentUnknownError.
   */
  torrentFile(digest: Digest, viewer: string | null = null): { blob: BlobRecord; torrent: Buffer } {
    const blob = this.blobs.find(digest);
    if (!blob) throw new TorrentUnknownError(digest);
    const torrent = this.render.renderTorrentFile(blob.torrentInfo, {
      announce: this.links.announce(viewer),
      urlList: [this.links.webSeedUrl(digest, viewer)],
    });
    return { blob, torrent };
  }

  magnet(blob: BlobRecord, viewer: string | null = null): string {
    return this.render.magnetLink(blob.infoHash, {
      name: blob.digest,
      announce: this.links.announce(viewer),
      urlList: [this.links.webSeedUrl(blob.digest, viewer)],
    });
  }
}
