import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type Digest, DigestStream, sha256Digest } from '../digest.js';
import { ArchiveError, DigestMismatchError } from '../errors.js';
import { type GunzipBounds, GunzipMeter, isGzip } from './gzip.js';
import type { BlobSink } from './types.js';

/** What the reader knows about one regular file of the archive once it streamed past. */
export type EntryContent<T> =
  | { kind: 'metadata'; bytes: Buffer }
  | {
      kind: 'stored';
      handle: T;
      /** sha256 of the bytes as in the archive. */
      digest: Digest;
      size: number;
      compressed: boolean;
      /** sha256 of the gunzipped bytes (= digest when not compressed); unset if gunzip failed. */
      uncompressedDigest?: Digest;
    };

/** Caps the bytes of metadata (configs, manifests, index) held in memory for one archive. */
export class MetadataBudget {
  private used = 0;
  constructor(private readonly max: number) {}

  take(bytes: number, path: string): void {
    if (this.used + bytes > this.max) {
      throw new ArchiveError(
        'metadata-too-large',
        `image archive metadata exceeds ${this.max} bytes (at "${path}", ${bytes} bytes)`,
        { path, size: bytes, max: this.max },
      );
    }
    this.used += bytes;
  }
}

export interface EntryContext<T> {
  sink: BlobSink<T>;
  budget: MetadataBudget;
  /** Bounds on gunzipping a compressed entry to hash it; none: unbounded. */
  gunzip?: GunzipBounds;
  /** Receives every sink.store promise, so that the reader can discard whatever got stored. */
  track(storing: Promise<T>): void;
  /** Told of every entry once stored and hashed (ReadArchiveOptions.onStored). */
  stored?(entry: StoredBlob<T>): void;
}

/** An entry the sink stored, with what its bytes hash to. */
export interface StoredBlob<T> {
  path: string;
  handle: T;
  /** sha256 of the bytes as stored. */
  digest: Digest;
  size: number;
  compressed: boolean;
  /** sha256 of the gunzipped bytes (of the bytes themselves when not compressed). */
  uncompressedDigest?: Digest;
}

/** Enough to tell a tar (ustar magic at 257) from JSON, and gzip from plain. */
const HEAD_BYTES = 512;

/**
 * Reads one entry to its end. JSON-looking entries (and `forceMetadata` ones) are kept in
 * memory within the budget; everything else streams to the sink while its sha256, and for
 * gzip its uncompressed sha256, are computed. `claimed` (OCI `blobs/sha256/<hex>`) is
 * verified: ArchiveError('digest-mismatch').
 */
export async function readEntry<T>(
  body: AsyncIterable<Buffer>,
  info: { path: string; size: number; claimed?: Digest; forceMetadata: boolean },
  ctx: EntryContext<T>,
): Promise<EntryContent<T>> {
  const it = body[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < Math.min(HEAD_BYTES, info.size)) {
    const next = await it.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const first = Buffer.concat(head);
  if (info.forceMetadata || looksLikeJson(first)) {
    ctx.budget.take(info.size, info.path);
    const chunks = head;
    for (let next = await it.next(); !next.done; next = await it.next()) chunks.push(next.value);
    const bytes = Buffer.concat(chunks);
    if (info.claimed && sha256Digest(bytes) !== info.claimed) {
      throw mismatch(info.path, new DigestMismatchError(info.claimed, sha256Digest(bytes)));
    }
    return { kind: 'metadata', bytes };
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  return storeStream(Readable.from(rest()), first, info, ctx);
}

/** Hands bytes to the sink, hashing them (and their gunzipped form) on the way. */
export async function storeStream<T>(
  source: Readable,
  first: Buffer,
  info: { path: string; size: number; claimed?: Digest },
  ctx: EntryContext<T>,
): Promise<EntryContent<T>> {
  const raw = new DigestStream(info.claimed ? { digest: info.claimed } : {});
  const meter = ctx.gunzip && new GunzipMeter(ctx.gunzip, info.path);
  const gunzip = isGzip(first) ? new GunzipDigest(meter) : undefined;
  const body = new PassThrough();
  const storing = ctx.sink.store(body, {
    path: info.path,
    size: info.size,
    ...(info.claimed ? { digest: info.claimed } : {}),
  });
  ctx.track(storing);
  const piping = gunzip ? pipeline(source, raw, gunzip, body) : pipeline(source, raw, body);
  piping.catch(() => {});
  try {
    const [, handle] = await Promise.all([piping, storing]);
    const { digest, size } = raw.result();
    const uncompressedDigest = gunzip ? gunzip.digest : digest;
    ctx.stored?.({
      path: info.path,
      handle,
      digest,
      size,
      compressed: gunzip !== undefined,
      ...(uncompressedDigest ? { uncompressedDigest } : {}),
    });
    return {
      kind: 'stored',
      handle,
      digest,
      size,
      compressed: gunzip !== undefined,
      ...(uncompressedDigest ? { uncompressedDigest } : {}),
    };
  } catch (first) {
    // The archive's own failure (bad digest, early end) explains a sink failure it caused.
    source.destroy();
    body.destroy();
    const [piped] = await Promise.allSettled([piping]);
    const err = piped.status === 'rejected' ? piped.reason : first;
    if (err instanceof ArchiveError) throw err;
    if (err instanceof DigestMismatchError) throw mismatch(info.path, err);
    if (first instanceof DigestMismatchError) throw mismatch(info.path, first);
    throw first;
  }
}

function mismatch(path: string, err: DigestMismatchError): ArchiveError {
  return new ArchiveError(
    'digest-mismatch',
    `"${path}" hashes to ${err.actual}, not ${err.expected}`,
    { path, expected: err.expected, actual: err.actual },
  );
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** First non-blank byte `{` or `[`, and not a tar (whose first member may be named `{…`). */
function looksLikeJson(first: Buffer): boolean {
  if (first.length >= 262 && first.toString('latin1', 257, 262) === 'ustar') return false;
  let i = 0;
  if (first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) i = 3;
  while (i < first.length && WS.has(first[i]!)) i++;
  return first[i] === 0x7b || first[i] === 0x5b;
}

/**
 * A pass-through that also gunzips what flows through it in a side branch and hashes the
 * result, so a compressed layer's diffID is known without a second read. A broken gzip
 * leaves `digest` unset rather than failing: the entry may be no layer at all. Output
 * beyond the meter's bounds does fail it (GunzipLimitError) and stops the inflating.
 */
class GunzipDigest extends Transform {
  private readonly gunzip = createGunzip();
  private readonly hash = createHash('sha256');
  private failed = false;
  private limit: Error | undefined;
  digest: Digest | undefined;

  constructor(private readonly meter?: GunzipMeter) {
    super();
    this.gunzip.on('data', (chunk: Buffer) => {
      if (this.limit) return;
      this.limit = this.meter?.output(chunk.length);
      if (this.limit) this.gunzip.destroy();
      else this.hash.update(chunk);
    });
    this.gunzip.on('error', () => {
      this.failed = true;
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.limit) {
      cb(this.limit);
      return;
    }
    this.meter?.input(chunk.length);
    if (this.failed || this.gunzip.write(chunk)) {
      cb(null, chunk);
      return;
    }
    const resume = (): void => {
      this.gunzip.off('drain', resume);
      this.gunzip.off('error', resume);
      this.gunzip.off('close', resume);
      cb(this.limit ?? null, chunk);
    };
    this.gunzip.on('drain', resume);
    this.gunzip.on('error', resume);
    this.gunzip.on('close', resume);
  }

  override _flush(cb: TransformCallback): void {
    if (this.limit || this.failed) {
      cb(this.limit);
      return;
    }
    const done = (): void => {
      this.gunzip.off('end', done);
      this.gunzip.off('error', done);
      this.gunzip.off('close', done);
      if (!this.failed && !this.limit) this.digest = `sha256:${this.hash.digest('hex')}` as Digest;
      cb(this.limit);
    };
    this.gunzip.on('end', done);
    this.gunzip.on('error', done);
    this.gunzip.on('close', done);
    this.gunzip.end();
  }
}
