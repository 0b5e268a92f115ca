import { type Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest, HashResult } from '../../lib/digest.js';
import type { BlobTorrentInfo } from '../../lib/torrent.js';
import { BlobUnknownError } from '../errors.js';
import type { BlobRecord } from '../metadata/blobs.js';
import type { Metadata } from '../metadata/metadata.js';
import type { BlobStore, ByteRange } from '../storage/blob-store.js';
import { SweepGate } from './sweep-gate.js';

/** lib/torrent.ts TorrentPieceStream: hashes the torrent pieces of the bytes flowing through. */
export interface TorrentPieceHasher extends Transform {
  /** Undefined when the size was not given and the piece length guessed wrong. */
  result(): Promise<BlobTorrentInfo | undefined>;
}

/** A piece hasher for a blob of `size` bytes; undefined when not known before the end. */
export type TorrentPieceHashers = (size?: number) => TorrentPieceHasher;

export interface BlobDescription {
  mediaType?: string;
  diffId?: Digest;
}

/**
 * Blobs as the registry knows them: bytes in the BlobStore plus a metadata row holding
 * size, media type, diff_id and torrent info. The torrent pieces are hashed while the
 * store writes (or verifies) the bytes, through its tap, so a new blob is not read back;
 * the row is written in one transaction, only after the bytes are in place. Writes hold
 * `gate` shared, so garbage collection never sweeps a blob between its rename and its row.
 */
export class BlobService {
  constructor(
    private readonly store: BlobStore,
    private readonly metadata: Metadata,
    private readonly pieceHasher: TorrentPieceHashers,
    private readonly gate: SweepGate = new SweepGate(),
    /**
     * Called with each new blob once its row is written: its bytes were hashed to its
     * digest on their way into the store (not called for a blob the registry had).
     */
    private readonly onStored?: (blob: BlobRecord) => Promise<void> | void,
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

  /**
   * The repositories holding the blob: it was uploaded to or mounted into each, or a
   * manifest of each names it. None for an unknown blob.
   */
  holders(digest: Digest): string[] {
    return this.metadata.blobs.holders(digest);
  }

  /** Whether `repository` holds the blob (one of its `holders`); false for an unknown blob. */
  heldBy(repository: string, digest: Digest): boolean {
    return this.metadata.blobs.heldBy(repository, digest);
  }

  /** Records that the blob was uploaded to or mounted into `repository`. */
  link(repository: string, digest: Digest): void {
    this.metadata.blobs.link(repository, digest);
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
    return this.gate.shared(async () => {
      const pieces = this.piecesFor(expect.digest, expect.size);
      return this.record(await this.store.put(body, expect, pieces), describe, pieces);
    });
  }

  /** Turns a finished upload into a blob, verifying its digest. */
  async commitUpload(
    id: string,
    expect: { digest: Digest; size?: number },
    describe: BlobDescription = {},
  ): Promise<BlobRecord> {
    return this.gate.shared(async () => {
      const size = expect.size ?? (await this.store.uploadSize(id));
      const pieces = this.piecesFor(expect.digest, size);
      return this.record(await this.store.commitUpload(id, expect, pieces), describe, pieces);
    });
  }

  /**
   * A push relies on this stored blob without uploading it (HEAD, mount, layer lookup):
   * garbage collection's grace period restarts for it.
   */
  touch(digest: Digest): void {
    this.metadata.blobs.touch(digest);
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

  totalSize(): number {
    return this.metadata.blobs.totalSize();
  }

  /** A piece hasher for the bytes about to be stored; none for a blob already recorded. */
  private piecesFor(digest: Digest | undefined, size: number | undefined) {
    return digest && this.find(digest) ? undefined : this.pieceHasher(size);
  }

  private async record(
    stored: HashResult,
    describe: BlobDescription,
    pieces: TorrentPieceHasher | undefined,
  ): Promise<BlobRecord> {
    const known = this.metadata.blobs.get(stored.digest);
    if (known) {
      this.metadata.blobs.describe(stored.digest, describe);
      this.metadata.blobs.touch(stored.digest);
      return this.get(stored.digest);
    }
    const torrent = (await pieces?.result()) ?? (await this.hashStored(stored));
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
    const record = this.get(stored.digest);
    await this.onStored?.(record);
    return record;
  }

  /**
   * Reads a stored blob back to hash its pieces: only when no hasher saw its bytes (it
   * was recorded when the write began) or the piece length was guessed wrong (a blob of
   * unknown size above 1 GiB).
   */
  private async hashStored(stored: HashResult): Promise<BlobTorrentInfo> {
    const pieces = this.pieceHasher(stored.size);
    const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });
    await pipeline(await this.store.open(stored.digest), pieces, discard);
    const torrent = await pieces.result();
    if (!torrent) throw new Error(`no torrent info for ${stored.digest} of known size`);
    return torrent;
  }
}
