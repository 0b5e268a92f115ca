/**
 * Blobs as files under one root directory:
 *
 *   <root>/
 *     sha256/<hex[0..2]>/<hex>   committed blobs, named by their digest
 *     uploads/<uuid>             upload sessions: the bytes received so far
 *     tmp/<uuid>                 put() in flight: verified, fsynced, then renamed into sha256/
 *
 * uploads/ and tmp/ are emptied by init(): sessions do not survive a restart.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, DigestStream, digestHex, type HashResult } from '../../lib/digest.js';
import { BlobUnknownError, UploadUnknownError } from '../errors.js';
import type { BlobStore, ByteRange, LocalBlobFiles } from './blob-store.js';

const UPLOAD_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Bytes read from a blob file at once when it is sent: each read is then one socket
 * write; at the 64 KiB default a 150 MB layer took ~2,300 of each.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

export class FsBlobStore implements BlobStore, LocalBlobFiles {
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'sha256');
    this.uploadsDir = join(root, 'uploads');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await rm(this.uploadsDir, { recursive: true, force: true });
    await rm(this.tmpDir, { recursive: true, force: true });
    // Private: blobs of a registry with --auth-reads must not be readable by other users.
    await mkdir(this.blobsDir, { recursive: true, mode: 0o700 });
    await mkdir(this.uploadsDir, { recursive: true, mode: 0o700 });
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  localPath(digest: Digest): string {
    const hex = digestHex(digest);
    return join(this.blobsDir, hex.slice(0, 2), hex);
  }

  /** Blobs are files in place: nothing to copy. */
  async ensureLocal(_digest: Digest): Promise<boolean> {
    return false;
  }

  async stat(digest: Digest): Promise<number | undefined> {
    try {
      return (await stat(this.localPath(digest))).size;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    const path = this.localPath(digest);
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw isNotFound(err) ? new BlobUnknownError(digest) : err;
    });
    return handle.createReadStream({
      start: range?.start,
      end: range?.end,
      highWaterMark: READ_CHUNK_BYTES,
    });
  }

  async put(
    body: Readable,
    expect: { digest?: Digest; size?: number } = {},
    tap?: Transform,
  ): Promise<HashResult> {
    const tmp = join(this.tmpDir, randomUUID());
    try {
      const hasher = new DigestStream(expect);
      await writeDurably(tmp, 'wx', body, tap ? [hasher, tap] : [hasher]);
      const result = hasher.result();
      await this.moveIntoPlace(tmp, result.digest);
      return result;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.localPath(digest), { force: true });
  }

  async startUpload(): Promise<string> {
    const id = randomUUID();
    const handle = await open(join(this.uploadsDir, id), 'wx', 0o600);
    await handle.close();
    return id;
  }

  async uploadSize(id: string): Promise<number> {
    try {
      return (await stat(this.uploadPath(id))).size;
    } catch (err) {
      if (isNotFound(err)) throw new UploadUnknownError(id);
      throw err;
    }
  }

  async openUpload(id: string): Promise<Readable> {
    await this.uploadSize(id);
    return createReadStream(this.uploadPath(id));
  }

  async appendUpload(id: string, body: Readable): Promise<number> {
    const before = await this.uploadSize(id);
    const path = this.uploadPath(id);
    try {
      await writeDurably(path, 'a', body, [new PassThrough()]);
    } catch (err) {
      await truncate(path, before).catch(() => {});
      throw err;
    }
    return this.uploadSize(id);
  }

  async commitUpload(
    id: string,
    expect: { digest: Digest; size?: number },
    tap?: Transform,
  ): Promise<HashResult> {
    const path = this.uploadPath(id);
    await this.uploadSize(id);
    const hasher = new DigestStream(expect);
    try {
      await pipeline([createReadStream(path), hasher, ...(tap ? [tap] : []), discard()]);
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    const result = hasher.result();
    await this.moveIntoPlace(path, result.digest);
    return result;
  }

  async cancelUpload(id: string): Promise<void> {
    await this.uploadSize(id);
    await rm(this.uploadPath(id), { force: true });
  }

  private uploadPath(id: string): string {
    if (!UPLOAD_ID_RE.test(id)) throw new UploadUnknownError(id);
    return join(this.uploadsDir, id);
  }

  private async moveIntoPlace(from: string, digest: Digest): Promise<void> {
    const target = this.localPath(digest);
    await mkdir(join(target, '..'), { recursive: true, mode: 0o700 });
    await rename(from, target);
  }
}

/** Pipes body → each of `through` → file opened with `flags`; the file is fsynced before it closes. */
async function writeDurably(
  path: string,
  flags: 'wx' | 'a',
  body: Readable,
  through: NodeJS.ReadWriteStream[],
): Promise<void> {
  await pipeline([body, ...through, createWriteStream(path, { flags, flush: true, mode: 0o600 })]);
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}
