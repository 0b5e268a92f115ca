import parseTorrent from 'parse-torrent';
import type { Logger } from 'pino';
import type WebTorrent from '@docket/webtorrent';
import { seedFile } from '../../lib/p2p/seed-file.js';
import { removeTorrent } from '../../lib/p2p/torrent-client.js';

/**
 * The blobs a client seeds from its cache, by infohash. A blob is seeded with its
 * .torrent, url-list stripped (a seed needs no web seed).
 */
export class Seeding {
  /** infohash → digest of the blobs being seeded. */
  private readonly seeding = new Map<string, string>();

  constructor(
    private readonly client: WebTorrent,
    /** Where the verified file of a blob is. */
    private readonly pathOf: (digest: string) => string,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Seeds the verified file of a blob with its .torrent; resolves once the torrent
   * is ready, at once when the client has that torrent already. Rejects with the torrent's
   * error when it cannot start.
   */
  async seed(blob: { digest: string; torrent: Buffer }): Promise<void> {
    const parsed = await parseTorrent(blob.torrent);
    if (await this.client.get(parsed.infoHash)) return;
    parsed.urlList = [];
    const torrent = await seedFile(this.client, parsed, {
      filePath: this.pathOf(blob.digest),
      onError: (err) => this.logger?.error({ err, digest: blob.digest }, 'seeding failed'),
    });
    this.seeding.set(parsed.infoHash, blob.digest);
    torrent.once('close', () => this.seeding.delete(parsed.infoHash));
  }

  /** Stops seeding the blob of this .torrent. */
  async unseed(torrent: Buffer): Promise<void> {
    const parsed = await parseTorrent(torrent);
    await removeTorrent(this.client, parsed.infoHash);
  }

  /** Digests of the blobs being seeded. */
  activeDigests(): string[] {
    return [...this.seeding.values()];
  }
}
