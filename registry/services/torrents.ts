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
  /** Announce URLs from the current config: embedded tracker and every --tracker-url. */
  announce(): string[];
  /** The BEP 19 web seed URL of a blob. */
  webSeedUrl(digest: Digest): string;
}

/** .torrent files and magnet links of stored blobs, rendered with the current announce list. */
export class TorrentService {
  constructor(
    private readonly blobs: BlobService,
    private readonly render: TorrentRendering,
    private readonly links: TorrentLinks,
  ) {}

  /** The blob's record and .torrent bytes; throws TorrentUnknownError. */
  torrentFile(digest: Digest): { blob: BlobRecord; torrent: Buffer } {
    const blob = this.blobs.find(digest);
    if (!blob) throw new TorrentUnknownError(digest);
    const torrent = this.render.renderTorrentFile(blob.torrentInfo, {
      announce: this.links.announce(),
      urlList: [this.links.webSeedUrl(digest)],
    });
    return { blob, torrent };
  }

  magnet(blob: BlobRecord): string {
    return this.render.magnetLink(blob.infoHash, {
      name: blob.digest,
      announce: this.links.announce(),
      urlList: [this.links.webSeedUrl(blob.digest)],
    });
  }
}
