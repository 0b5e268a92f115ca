/**
 * Blobs as objects of an S3-compatible bucket (AWS S3, Ceph RGW, MinIO), path-style:
 *
 *   <prefix>/
 *     blobs/sha256/<hex>                   committed blobs, named by their digest
 *     uploads/<uuid>/started               an upload session exists (empty object)
 *     uploads/<uuid>/chunks/<offset:16>    its bytes, one object per append, by start offset
 *     _tmp/<uuid>                          put() or commitUpload() in flight, not yet verified
 *
 * A blob key only ever holds verified bytes: content is streamed through sha256 (and the
 * tap) into a `_tmp/` key (multipart for large blobs), and copied server-side to its blob
 * key only once digest and size match; the temp key is deleted either way. The store keeps
 * no state in memory: any registry process sharing the bucket can continue, read or commit
 * an upload session another one started. So `init` removes only temp objects, sessions and
 * unfinished multipart uploads idle for longer than `staleAfterMs`: younger ones may be
 * another replica's work in progress.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable, type Transform, Transform as TransformStream } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type Digest, DigestStream, digestHex, type HashResult } from '../../lib/digest.js';
import { BlobUnknownError, UploadUnknownError } from '../errors.js';
import type { BlobStore, ByteRange } from './blob-store.js';

const UPLOAD_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OFFSET_DIGITS = 16;
/** CopyObject's limit (S3: 5 GiB); larger objects are copied part by part. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
const DELETE_BATCH = 1000;

export interface S3BlobStoreOptions {
  /** A client for the bucket's server; path-style for anything but AWS. */
  client: S3Client;
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
  /** `init` removes temp objects and upload sessions idle for longer (default 1 day). */
  staleAfterMs?: number;
  /** Above this size a blob is copied into place part by part (default 5 GiB, S3's CopyObject limit). */
  singleCopyBytes?: number;
  /** Part size of multipart uploads and copies (default 64 MiB). */
  partBytes?: number;
}

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly staleAfterMs: number;
  private readonly singleCopyBytes: number;
  private readonly partBytes: number;

  constructor(opts: S3BlobStoreOptions) {
    this.client = opts.client;
    this.bucket = opts.bucket;
    this.root = opts.prefix === '' ? '' : `${opts.prefix}/`;
    this.staleAfterMs = opts.staleAfterMs ?? 24 * 3600_000;
    this.singleCopyBytes = Math.min(
      opts.singleCopyBytes ?? MAX_SINGLE_COPY_BYTES,
      MAX_SINGLE_COPY_BYTES,
    );
    this.partBytes = opts.partBytes ?? 64 * 1024 ** 2;
  }

  /** Where `digest`'s bytes live in the bucket. */
  blobKey(digest: Digest): string {
    return `${this.root}blobs/sha256/${digestHex(digest)}`;
  }

  async init(): Promise<void> {
    const before = Date.now() - this.staleAfterMs;
    const stale: string[] = [];
    for await (const object of this.list(`${this.root}_tmp/`))
      if ((object.LastModified?.getTime() ?? 0) <= before) stale.push(object.Key as string);
    const sessions = new Map<string, { keys: string[]; last: number }>();
    for await (const object of this.list(`${this.root}uploads/`)) {
      const key = object.Key as string;
      const id = key.slice(`${this.root}uploads/`.length).split('/')[0] ?? '';
      const session = sessions.get(id) ?? { keys: [], last: 0 };
      session.keys.push(key);
      session.last = Math.max(session.last, object.LastModified?.getTime() ?? 0);
      sessions.set(id, session);
    }
    for (const session of sessions.values())
      if (session.last <= before) stale.push(...session.keys);
    await this.deleteKeys(stale);
    await this.abortMultipartUploads(before);
  }

  async stat(digest: Digest): Promise<number | undefined> {
    return this.size(this.blobKey(digest));
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.blobKey(digest),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return answer.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new BlobUnknownError(digest);
      throw err;
    }
  }

  put(
    body: Readable,
    expect: { digest?: Digest; size?: number } = {},
    tap?: Transform,
  ): Promise<HashResult> {
    return this.storeVerified(body, expect, tap);
  }

  async delete(digest: Digest): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.blobKey(digest) }),
    );
  }

  async startUpload(): Promise<string> {
    const id = randomUUID();
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.sessionKey(id),
        Body: new Uint8Array(0),
        ContentLength: 0,
      }),
    );
    return id;
  }

  async uploadSize(id: string): Promise<number> {
    const chunks = await this.chunks(id);
    return chunks.reduce((sum, chunk) => sum + chunk.size, 0);
  }

  async openUpload(id: string): Promise<Readable> {
    return this.concat(await this.chunks(id));
  }

  async appendUpload(id: string, body: Readable): Promise<number> {
    const before = await this.uploadSize(id);
    const key = `${this.chunksPrefix(id)}${String(before).padStart(OFFSET_DIGITS, '0')}`;
    let bytes = 0;
    const counter = new TransformStream({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await this.upload(key, body, [counter]);
    } catch (err) {
      await this.deleteKeys([key]).catch(() => {});
      throw err;
    }
    return before + bytes;
  }

  async commitUpload(
    id: string,
    expect: { digest: Digest; size?: number },
    tap?: Transform,
  ): Promise<HashResult> {
    const chunks = await this.chunks(id);
    try {
      return await this.storeVerified(this.concat(chunks), expect, tap);
    } finally {
      await this.dropSession(id, chunks);
    }
  }

  async cancelUpload(id: string): Promise<void> {
    await this.dropSession(id, await this.chunks(id));
  }

  /** Streams `body` through the hash (and `tap`) into a temp key, then into place once verified. */
  private async storeVerified(
    body: Readable,
    expect: { digest?: Digest; size?: number },
    tap?: Transform,
  ): Promise<HashResult> {
    const tmp = `${this.root}_tmp/${randomUUID()}`;
    try {
      const hasher = new DigestStream(expect);
      await this.upload(tmp, body, tap ? [hasher, tap] : [hasher]);
      const result = hasher.result();
      await this.copyIntoPlace(tmp, result);
      return result;
    } finally {
      await this.deleteKeys([tmp]);
    }
  }

  /**
   * Pipes body → each of `through` → the object `key` (multipart above `partBytes`). The
   * object appears only if every stream ends well: a failure aborts the upload.
   */
  private async upload(
    key: string,
    body: Readable,
    through: NodeJS.ReadWriteStream[],
  ): Promise<void> {
    const sink = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: sink },
      partSize: this.partBytes,
      queueSize: 2,
    });
    const uploaded = upload.done();
    try {
      await pipeline([body, ...through, sink]);
    } catch (err) {
      await upload.abort().catch(() => {});
      await uploaded.catch(() => {});
      throw err;
    }
    await uploaded;
  }

  /** Copies the verified temp object to its blob key (server-side; part by part when large). */
  private async copyIntoPlace(tmp: string, blob: HashResult): Promise<void> {
    const target = this.blobKey(blob.digest);
    if ((await this.size(target)) === blob.size) return;
    const source = `${this.bucket}/${tmp}`;
    if (blob.size <= this.singleCopyBytes) {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: source }),
      );
      return;
    }
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target }),
    );
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < blob.size; start += this.partBytes, n++) {
        const end = Math.min(start + this.partBytes, blob.size) - 1;
        const answer = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: target,
            UploadId,
            PartNumber: n,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ ETag: answer.CopyPartResult?.ETag as string, PartNumber: n });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: target,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId }))
        .catch(() => {});
      throw err;
    }
  }

  private sessionKey(id: string): string {
    if (!UPLOAD_ID_RE.test(id)) throw new UploadUnknownError(id);
    return `${this.root}uploads/${id}/started`;
  }

  private chunksPrefix(id: string): string {
    if (!UPLOAD_ID_RE.test(id)) throw new UploadUnknownError(id);
    return `${this.root}uploads/${id}/chunks/`;
  }

  /** The chunks of a session in offset order; throws UploadUnknownError when it does not exist. */
  private async chunks(id: string): Promise<{ key: string; size: number }[]> {
    if ((await this.size(this.sessionKey(id))) === undefined) throw new UploadUnknownError(id);
    const out: { key: string; size: number }[] = [];
    for await (const object of this.list(this.chunksPrefix(id)))
      out.push({ key: object.Key as string, size: object.Size ?? 0 });
    // Keys sort by their zero-padded offset; the listing is in key order already.
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async dropSession(id: string, chunks: { key: string }[]): Promise<void> {
    await this.deleteKeys(chunks.map((c) => c.key));
    await this.deleteKeys([this.sessionKey(id)]);
  }

  /** The objects `keys`, one after another, as one stream. */
  private concat(chunks: { key: string }[]): Readable {
    const { client, bucket } = this;
    return Readable.from(
      (async function* () {
        for (const { key } of chunks) {
          const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          yield* answer.Body as Readable;
        }
      })(),
    );
  }

  private async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async *list(prefix: string): AsyncGenerator<_Object> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      yield* page.Contents ?? [];
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      if (batch.length === 1) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: batch[0] }));
        continue;
      }
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  /** Aborts multipart uploads under the prefix started before `before` (left by a crash). */
  private async abortMultipartUploads(before: number): Promise<void> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: this.root,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if ((upload.Initiated?.getTime() ?? 0) > before) continue;
        await this.client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.bucket,
            Key: upload.Key,
            UploadId: upload.UploadId,
          }),
        );
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  }
}

/** A 404 from S3: NoSuchKey (GET), NotFound (HEAD), NoSuchUpload. */
function isNotFound(err: unknown): boolean {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;
}
