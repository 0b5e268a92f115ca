import { pipeline, type Readable } from 'node:stream';
import type { Context } from 'koa';
import { Header } from '../api/headers.js';
import { type ByteRange, parseRequestRange } from './range.js';

export interface BlobHead {
  digest: string;
  size: number;
  /** False when the bytes can only be read from the first: Range is then ignored. */
  ranges?: boolean;
}

export interface BlobContent extends BlobHead {
  /** The bytes of `range` (all of them when undefined); called last, and for a GET only. */
  open(range: ByteRange | undefined): Promise<Readable | Buffer> | Readable | Buffer;
}

/**
 * The status and headers of a blob answer (distribution-spec "Pulling blobs"): 200 for
 * the whole blob, or 206 with Content-Range for the request's one range (RFC 9110 §14,
 * parseRequestRange; a HEAD gets the headers its GET would, §9.3.2), and that range.
 * Throws RangeNotSatisfiableError. Pure: blobHead and the engine feed share it.
 */
export function blobAnswer(
  blob: BlobHead,
  rangeHeader: string | undefined,
): { status: number; headers: Record<string, string>; range: ByteRange | undefined } {
  const ranged = blob.ranges !== false;
  const range = ranged ? parseRequestRange(rangeHeader, blob.size) : undefined;
  const headers: Record<string, string> = {
    [Header.contentDigest]: blob.digest,
    ETag: `"${blob.digest}"`,
    'Accept-Ranges': ranged ? 'bytes' : 'none',
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(range ? range.end - range.start + 1 : blob.size),
  };
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${blob.size}`;
  return { status: range ? 206 : 200, headers, range };
}

/** Sets the status and headers of a blob answer (blobAnswer) on `ctx`; returns the range. */
export function blobHead(ctx: Context, blob: BlobHead): ByteRange | undefined {
  const { status, headers, range } = blobAnswer(blob, ctx.get('Range') || undefined);
  ctx.set(headers);
  ctx.status = status;
  return range;
}

/** Answers a GET or HEAD of a blob: blobHead, then (for a GET) the bytes `open` gives. */
export async function sendBlob(ctx: Context, blob: BlobContent): Promise<void> {
  const range = blobHead(ctx, blob);
  if (ctx.method === 'HEAD') return;
  const body = await blob.open(range);
  if (Buffer.isBuffer(body)) {
    ctx.body = body;
    return;
  }
  // Piped here, not through Koa's respond(): that tests a stream body against the web Blob,
  // ReadableStream and Response classes first, and naming Response makes Node load its
  // fetch implementation (see sendJson), a cost a pull's one-image engine feed would pay.
  // The status and headers are on ctx.res already; pipeline destroys the file stream when
  // the client goes away.
  ctx.respond = false;
  pipeline(body, ctx.res, (err) => {
    const gone = (err as NodeJS.ErrnoException | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (err && !gone && ctx.app.listenerCount('error') > 0) ctx.onerror(err);
  });
}

export interface ManifestContent {
  digest: string;
  mediaType: string;
  body: Buffer;
}

/** Answers a GET or HEAD of a manifest (distribution-spec "Pulling manifests"). */
export function sendManifest(ctx: Context, manifest: ManifestContent): void {
  ctx.status = 200;
  ctx.set(Header.contentDigest, manifest.digest);
  ctx.set('ETag', `"${manifest.digest}"`);
  ctx.body = manifest.body;
  ctx.type = manifest.mediaType;
}

/**
 * Answers `value` as JSON, serialised here rather than handed to Koa as an object: Koa's
 * body setter tests an object against the web `ReadableStream`, `Blob` and `Response`
 * classes, and Node loads its whole fetch implementation (undici: ~0.2 s of CPU and ~15 MB)
 * the first time `Response` is named, which a short-lived server such as a pull's engine
 * feed would pay on its first answer.
 */
export function sendJson(ctx: Context, value: unknown, type = 'application/json'): void {
  ctx.type = type;
  ctx.body = Buffer.from(JSON.stringify(value));
}
