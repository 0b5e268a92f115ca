import type { Context } from 'koa';
import { PayloadTooLargeError } from '../errors.js';

/** Rejects a request whose declared Content-Length exceeds `max` before reading it. */
export function checkDeclaredLength(ctx: Context, max: number): void {
  const declared = ctx.request.length;
  if (declared !== undefined && declared > max) throw new PayloadTooLargeError(max);
}

/** Whether the request carries a body (distribution clients send none on some PUTs). */
export function hasBody(ctx: Context): boolean {
  return (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
}

/** Reads a small request body into memory; throws PayloadTooLargeError past `max`. */
export async function readSmallBody(ctx: Context, max: number): Promise<Buffer> {
  checkDeclaredLength(ctx, max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new PayloadTooLargeError(max);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** `n` and `last` of a paginated listing (distribution-spec "Listing tags"). */
export function pagination(ctx: Context): { n: number | undefined; last: string | undefined } {
  const n = Number(ctx.query.n);
  const last = typeof ctx.query.last === 'string' ? ctx.query.last : undefined;
  return { n: Number.isSafeInteger(n) && n >= 0 ? n : undefined, last };
}

/** RFC 8288 Link to the next page, as distribution sends it; `path` may carry a query. */
export function nextLink(
  path: string,
  n: number | undefined,
  next: string | undefined,
): string | undefined {
  if (next === undefined) return undefined;
  const params = new URLSearchParams();
  if (n !== undefined) params.set('n', String(n));
  params.set('last', next);
  return `<${path}${path.includes('?') ? '&' : '?'}${params}>; rel="next"`;
}

/** An empty response with `status` (Koa would otherwise send the status text, or turn null into 204). */
export function emptyResponse(ctx: Context, status: number): void {
  ctx.status = status;
  ctx.body = '';
  ctx.remove('Content-Type');
}
