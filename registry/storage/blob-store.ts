import type { Readable } from 'node:stream';
import type { Digest, HashResult } from '../../lib/digest.js';

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Content-addressed blob bytes and in-progress uploads. Holds no metadata: a blob is
 * only known to the registry once the metadata store records it, after `put` or
 * `commitUpload` resolved.
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
  /** A local file path of the blob, for hashing into pieces and seeding. */
  localPath(digest: Digest): string;
  /** Streams `body` into the store; verifies `expect` before the blob becomes visible. */
  put(body: Readable, expect?: { digest?: Digest; size?: number }): Promise<HashResult>;
  delete(digest: Digest): Promise<void>;

  /** Starts an upload session; returns its id. */
  startUpload(): Promise<string>;
  /** Bytes received so far for an upload. */
  uploadSize(id: string): Promise<number>;
  /** Streams the bytes of an upload received so far. */
  openUpload(id: string): Promise<Readable>;
  /** Appends `body` to an upload; resolves with the new size. */
  appendUpload(id: string, body: Readable): Promise<number>;
  /** Verifies an upload against `expect` and moves it into place as a blob. */
  commitUpload(id: string, expect: { digest: Digest; size?: number }): Promise<HashResult>;
  /** Drops an upload and its bytes. */
  cancelUpload(id: string): Promise<void>;
}
