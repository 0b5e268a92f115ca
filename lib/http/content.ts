import type { Readable } from 'node:stream';
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
 * Sets the status and headers of a blob answer (distribution-spec "Pulling blobs"): 200 for
 * the whole blob, or 206 with Content-Range for the request's one range (RFC 9110 §14,
 * parseRequestRange; a HEAD gets the headers its GET would, §9.3.2). Returns that range.
 * Throws RangeNotSatisfiableError.
 */
export function blobHead(ctx: Context, blob: BlobHead): ByteRange | undefined {
  const ranged = blob.ranges !== false;
  const range = ranged ? parseRequestRange(ctx.get('Range') || undefined, blob.size) : undefined;
  ctx.set(Header.contentDigest, blob.digest);
  ctx.set('ETag', `"${blob.digest}"`);
  ctx.set('Accept-Ranges', ranged ? 'bytes' : 'none');
  ctx.type = 'application/octet-stream';
  ctx.status = range ? 206 : 200;
  if (range) ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
  ctx.length = range ? range.end - range.start + 1 : blob.size;
  return range;
}

/** Answers a GET or HEAD of a blob: blobHead, then (for a GET) the bytes `open` gives. */
export async function sendBlob(ctx: Context, blob: BlobContent): Promise<void> {
  const range = blobHead(ctx, blob);
  if (ctx.method === 'HEAD') return;
  const length = ctx.length;
  ctx.body = await blob.open(range);
  // A stream body unsets the length.
  ctx.length = length;
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
