import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { Digest } from '../../lib/digest.js';
import { UploadOutOfOrderError } from '../errors.js';
import type { BlobRecord } from '../metadata/blobs.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { BlobService } from './blobs.js';
import { limitBytes } from './limit.js';

/**
 * Blob upload sessions (distribution-spec "Pushing blobs"): monolithic, chunked,
 * and cross-repository mounts. An upload holds at most `maxBytes`.
 */
export class UploadService {
  constructor(
    private readonly store: BlobStore,
    private readonly blobs: BlobService,
    private readonly maxBytes: number,
  ) {}

  start(): Promise<string> {
    return this.store.startUpload();
  }

  size(id: string): Promise<number> {
    return this.store.uploadSize(id);
  }

  /**
   * Appends a chunk. `start`, when the client sent a Content-Range, must equal the bytes
   * held so far (else UploadOutOfOrderError). Resolves with the new size.
   */
  async append(id: string, body: Readable, start?: number): Promise<number> {
    const offset = await this.store.uploadSize(id);
    if (start !== undefined && start !== offset) throw new UploadOutOfOrderError(offset, start);
    return this.store.appendUpload(id, this.limited(body, this.maxBytes - offset));
  }

  /** Appends an optional last chunk, then verifies the whole upload against `digest`. */
  async finish(id: string, digest: Digest, lastChunk?: Readable): Promise<BlobRecord> {
    if (lastChunk) await this.append(id, lastChunk);
    return this.blobs.commitUpload(id, { digest });
  }

  /** A whole blob in one request (POST ?digest=). */
  monolithic(body: Readable, digest: Digest, size?: number): Promise<BlobRecord> {
    return this.blobs.put(this.limited(body, this.maxBytes), { digest, size });
  }

  cancel(id: string): Promise<void> {
    return this.store.cancelUpload(id);
  }

  /** Cross-repository mount: blobs are stored once, so any known blob mounts (and is used now). */
  mount(digest: Digest): BlobRecord | undefined {
    const blob = this.blobs.find(digest);
    if (blob) this.blobs.touch(digest);
    return blob;
  }

  private limited(body: Readable, remaining: number): Readable {
    const limit = limitBytes(Math.max(0, remaining), this.maxBytes);
    return pipeline(body, limit, () => {});
  }
}
