import type { Readable } from 'node:stream';
import type { Digest, HashResult } from '../../lib/digest.js';
import { BlobUnknownError } from '../errors.js';
import type { BlobRecord } from '../metadata/blobs.js';
import type { Metadata } from '../metadata/metadata.js';
import type { BlobStore, ByteRange } from '../storage/blob-store.js';

/** lib/torrent.ts createBlobTorrentInfo: deterministic torrent info of a blob file. */
export type CreateTorrentInfo = (
  path: string,
  size: number,
) => Promise<{ infoHash: string; info: Buffer; pieceLength: number }>;

export interface BlobDescription {
  mediaType?: string;
  diffId?: Digest;
}

/**
 * Blobs as the registry knows them: bytes in the BlobStore plus a metadata row holding
 * size, media type, diff_id and torrent info. The row is written in one transaction,
 * only after the bytes are in place.
 */
export class BlobService {
  constructor(
    private readonly store: BlobStore,
    private readonly metadata: Metadata,
    private readonly createTorrentInfo: CreateTorrentInfo,
  ) {}

  /** The record of a known blob; throws BlobUnknownError. */
  get(digest: Digest): BlobRecord {
    const record = this.metadata.blobs.get(digest);
    if (!record) throw new BlobUnknownError(digest);
    return record;
  }

  find(digest: Digest): BlobRecord | undefined {
    return this.metadata.blobs.get(digest);
  }

  findByDiffId(diffId: Digest): BlobRecord | undefined {
    return this.metadata.blobs.findByDiffId(diffId);
  }

  findByInfoHash(infoHash: string): BlobRecord | undefined {
    return this.metadata.blobs.findByInfoHash(infoHash);
  }

  localPath(digest: Digest): string {
    return this.store.localPath(digest);
  }

  /** Streams a known blob (or an inclusive byte range of it); throws BlobUnknownError. */
  open(digest: Digest, range?: ByteRange): Promise<Readable> {
    this.get(digest);
    return this.store.open(digest, range);
  }

  /** Stores `body` as a blob, verifying `expect`; throws DigestMismatchError / SizeMismatchError. */
  async put(
    body: Readable,
    expect: { digest?: Digest; size?: number } = {},
    describe: BlobDescription = {},
  ): Promise<BlobRecord> {
    return this.record(await this.store.put(body, expect), describe);
  }

  /** Turns a finished upload into a blob, verifying its digest. */
  async commitUpload(
    id: string,
    expect: { digest: Digest; size?: number },
    describe: BlobDescription = {},
  ): Promise<BlobRecord> {
    return this.record(await this.store.commitUpload(id, expect), describe);
  }

  /** Adds a media type / diff_id to a blob row that has none. */
  describe(digest: Digest, describe: BlobDescription): void {
    this.metadata.blobs.describe(digest, describe);
  }

  infoHashes(): string[] {
    return this.metadata.blobs.infoHashes();
  }

  count(): number {
    return this.metadata.blobs.count();
  }

  private async record(stored: HashResult, describe: BlobDescription): Promise<BlobRecord> {
    const known = this.metadata.blobs.get(stored.digest);
    if (known) {
      this.metadata.blobs.describe(stored.digest, describe);
      return this.get(stored.digest);
    }
    const torrent = await this.createTorrentInfo(this.store.localPath(stored.digest), stored.size);
    this.metadata.transaction(() =>
      this.metadata.blobs.insert({
        digest: stored.digest,
        size: stored.size,
        mediaType: describe.mediaType ?? null,
        diffId: describe.diffId ?? null,
        infoHash: torrent.infoHash,
        torrentInfo: torrent.info,
        pieceLength: torrent.pieceLength,
      }),
    );
    return this.get(stored.digest);
  }
}
