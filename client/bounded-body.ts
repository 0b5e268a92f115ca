import { ResponseTooLargeError } from './errors.js';
import type { HttpAnswer } from './http-fetch.js';

/**
 * The body of `res`, read to at most `limit` bytes: a registry (or whatever answers at
 * its URL) chooses how much it sends, so every body the client holds in memory has a
 * bound. Throws ResponseTooLargeError, after cancelling the rest of the body.
 */
export async function readBounded(res: HttpAnswer, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw new ResponseTooLargeError(what, limit);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new ResponseTooLargeError(what, limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** `readBounded`, parsed as JSON (a SyntaxError when it is not). */
export async function readBoundedJson<T>(res: HttpAnswer, limit: number, what: string): Promise<T> {
  return JSON.parse((await readBounded(res, limit, what)).toString('utf8')) as T;
}
