import type { Readable, Transform } from 'node:stream';
import type { Digest, HashResult } from '../../lib/digest.js';

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Content-addressed blob bytes and in-progress uploads. Holds no metadata: a blob is
 * only known to the registry once the metadata store records it, after `put` or
 * `commitUpload` resolved. The port is bytes only: nothing in it assumes a local file,
 * so an object store (S3) can implement it; stores that do keep files say so with
 * LocalBlobFiles.
 *
 * `put` and `commitUpload` take an optional `tap`: a pass-through stream the store
 * pipes the blob's bytes through exactly once, in order, while it writes or verifies
 * them (registry/services/blobs.ts hashes torrent pieces there, so a stored blob is not
 * read back). A tap that fails, at any point up to its end, fails the call and nothing
 * is kept.
 *
 * Errors: `put`/`commitUpload` reject with DigestMismatchError / SizeMismatchError when
 * the content does not match `expect` (nothing is kept), `open` rejects with
 * BlobUnknownError, upload methods reject with UploadUnknownError.
 */
export interface BlobStore {
  /** Prepares the store and removes temp files left by a previous process. */
  init(): Promise<void>;
  /** Size of a stored blob, or undefined. */
  stat(digest: Digest): Promise<number | undefined>;
  /** Streams a stored blob, or the inclusive `range` of it. */
  open(digest: Digest, range?: ByteRange): Promise<Readable>;
  /** Streams `body` (through `tap`) into the store; verifies `expect` before the blob becomes visible. */
  put(
    body: Readable,
    expect?: { digest?: Digest; size?: number },
    tap?: Transform,
  ): Promise<HashResult>;
  delete(digest: Digest): Promise<void>;

  /** Starts an upload session; returns its id. */
  startUpload(): Promise<string>;
  /** Bytes received so far for an upload. */
  uploadSize(id: string): Promise<number>;
  /** Streams the bytes of an upload received so far. */
  openUpload(id: string): Promise<Readable>;
  /** Appends `body` to an upload; resolves with the new size. */
  appendUpload(id: string, body: Readable): Promise<number>;
  /** Verifies an upload (read through `tap`) against `expect` and moves it into place as a blob. */
  commitUpload(
    id: string,
    expect: { digest: Digest; size?: number },
    tap?: Transform,
  ): Promise<HashResult>;
  /** Drops an upload and its bytes. */
  cancelUpload(id: string): Promise<void>;
}

/**
 * Committed blobs as local files. Only the seeder needs them, because webtorrent reads
 * pieces from a path: registry/main.ts hands them over explicitly, apart from the
 * BlobStore port. FsBlobStore's own files are blobs in place; for a store without files
 * (S3BlobStore) a bounded cache (blob-file-cache.ts) copies blobs in on demand.
 */
export interface LocalBlobFiles {
  /** The file that holds (or will hold, after `ensureLocal`) a committed blob. */
  localPath(digest: Digest): string;
  /**
   * Makes `localPath` hold the blob, and marks it used. Resolves true when its bytes were
   * copied and verified against the digest just now, false when the file was there.
   * Throws BlobUnknownError, DigestMismatchError.
   */
  ensureLocal(digest: Digest): Promise<boolean>;
}
