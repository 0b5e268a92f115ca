import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { pipeline } from 'node:stream';
import type { Digest } from '../../lib/digest.js';
import { PeriodicJob } from '../background.js';
import { UploadOutOfOrderError } from '../errors.js';
import type { BlobRecord } from '../metadata/blobs.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { BlobService } from './blobs.js';
import { limitBytes } from './limit.js';
import { type UploadOwner, UploadSessions } from './upload-sessions.js';
import type { UploadSessionRecords } from '../metadata/upload-sessions.js';

/**
 * Blob upload sessions (distribution-spec "Pushing blobs"): monolithic, chunked,
 * and cross-repository mounts. An upload holds at most `maxBytes`. A session belongs to
 * the repository and token that opened it (anyone else gets UploadUnknownError, as for
 * an unknown id) and expires after `ttlMs` idle; `sweep` removes expired ones' bytes,
 * by itself between `startSweeping` and `close`.
 */
export class UploadService {
  private readonly sessions: UploadSessions;
  private sweeps: PeriodicJob | undefined;

  constructor(
    private readonly store: BlobStore,
    private readonly blobs: BlobService,
    private readonly maxBytes: number,
    private readonly ttlMs: number,
    /** The database's record of sessions, shared with registries sharing the store. */
    shared?: UploadSessionRecords,
    now: () => number = Date.now,
  ) {
    this.sessions = new UploadSessions(ttlMs, now, shared);
  }

  /** Sweeps expired sessions (`sweep`) every TTL, at least once a minute, until `close`. */
  startSweeping(logger: Logger): void {
    this.sweeps ??= new PeriodicJob(
      Math.min(this.ttlMs, 60_000),
      () => this.sweep(),
      (err) => logger.error({ err }, 'upload session sweep failed'),
    );
    this.sweeps.start();
  }

  /** Stops sweeping; resolves once a sweep in progress is done. */
  async close(): Promise<void> {
    await this.sweeps?.stop();
  }

  async start(owner: UploadOwner): Promise<string> {
    await this.sweep();
    const id = await this.store.startUpload();
    this.sessions.open(id, owner);
    return id;
  }

  size(id: string, owner: UploadOwner): Promise<number> {
    this.sessions.check(id, owner);
    return this.store.uploadSize(id);
  }

  /**
   * Appends a chunk. `start`, when the client sent a Content-Range, must equal the bytes
   * held so far (else UploadOutOfOrderError), checked after every earlier request on the
   * session is done. Resolves with the new size.
   */
  append(id: string, owner: UploadOwner, body: Readable, start?: number): Promise<number> {
    return this.sessions.run(id, owner, () => this.appendNow(id, body, start));
  }

  /**
   * Appends an optional last chunk, then verifies the whole upload against `digest`. The
   * session ends either way.
   */
  finish(
    id: string,
    owner: UploadOwner,
    digest: Digest,
    lastChunk?: Readable,
  ): Promise<BlobRecord> {
    return this.sessions.run(id, owner, async () => {
      try {
        if (lastChunk) await this.appendNow(id, lastChunk);
        return await this.blobs.commitUpload(id, { digest });
      } catch (err) {
        await this.store.cancelUpload(id).catch(() => {});
        throw err;
      } finally {
        this.sessions.close(id);
      }
    });
  }

  /** A whole blob in one request (POST ?digest=). */
  monolithic(body: Readable, digest: Digest, size?: number): Promise<BlobRecord> {
    return this.blobs.put(this.limited(body, this.maxBytes), { digest, size });
  }

  cancel(id: string, owner: UploadOwner): Promise<void> {
    return this.sessions.run(id, owner, async () => {
      this.sessions.close(id);
      await this.store.cancelUpload(id);
    });
  }

  /**
   * Cross-repository mount: blobs are stored once, so a blob `from` holds mounts (and is
   * used now); undefined otherwise (the caller opens an ordinary upload, as Distribution
   * does). Linking it to the target repository is the caller's.
   */
  mount(digest: Digest, from: string | undefined): BlobRecord | undefined {
    if (from === undefined || !this.blobs.heldBy(from, digest)) return undefined;
    const blob = this.blobs.find(digest);
    if (blob) this.blobs.touch(digest);
    return blob;
  }

  /** Drops the sessions idle for longer than the TTL, with their bytes. */
  async sweep(): Promise<void> {
    for (const id of this.sessions.takeExpired()) await this.store.cancelUpload(id).catch(() => {});
  }

  private async appendNow(id: string, body: Readable, start?: number): Promise<number> {
    const offset = await this.store.uploadSize(id);
    if (start !== undefined && start !== offset) throw new UploadOutOfOrderError(offset, start);
    return this.store.appendUpload(id, this.limited(body, this.maxBytes - offset));
  }

  private limited(body: Readable, remaining: number): Readable {
    const limit = limitBytes(Math.max(0, remaining), this.maxBytes);
    return pipeline(body, limit, () => {});
  }
}
