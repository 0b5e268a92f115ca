import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** What RegistryTransport sends requests with: httpFetch, or fetch itself. */
export type FetchFn = (url: URL, init: RequestInit) => Promise<Response>;

/**
 * The part of `fetch` RegistryTransport uses, over node:http: Node 20's fetch costs ~0.28 s
 * of CPU the first time a process uses it (loading undici and compiling its WebAssembly
 * HTTP parser), more than the rest of a small `docket pull`. The answer is still a fetch
 * Response, its body streamed.
 *
 * Differences from fetch, none of which the registry protocol needs: redirects are not
 * followed (3xx is answered as is), no content-encoding is asked for or decoded, and
 * `init.body` is a Buffer, a string or a web ReadableStream.
 *
 * An aborted `init.signal` rejects with (or, once answered, errors the body with) the
 * signal's reason, as fetch does. A request without a streamed body is sent again once
 * when a kept-alive connection turns out closed by the server (Node's `reusedSocket`).
 */
export async function httpFetch(url: URL, init: RequestInit = {}): Promise<Response> {
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const body = init.body ?? undefined;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    if (body instanceof globalThis.ReadableStream) return send(url, init, signal);
    throw new TypeError('httpFetch: body must be a Buffer, a string or a ReadableStream');
  }
  try {
    return await send(url, init, signal);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    return send(url, init, signal);
  }
}

/** Keep-alive pools: the connections to a registry are reused across its requests. */
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** A body this small is read whole from the socket before anyone reads it: see toWeb below. */
const BODY_BUFFER_BYTES = 256 * 1024;

/** A kept-alive connection the server had closed (the request never reached it). */
class StaleSocketError extends Error {}

function send(url: URL, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
  const mod = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'];
  const headers = new Headers(init.headers);
  const body = init.body ?? undefined;
  if ((typeof body === 'string' || body instanceof Uint8Array) && !headers.has('content-length'))
    headers.set('content-length', String(Buffer.byteLength(body)));
  const method = init.method ?? 'GET';
  return new Promise<Response>((resolve, reject) => {
    const req = mod.request(url, { method, headers: Object.fromEntries(headers), agent });
    let answer: http.IncomingMessage | undefined;
    const onAbort = (): void => {
      answer?.destroy(signal?.reason);
      req.destroy(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    req.on('error', (err: NodeJS.ErrnoException) => {
      done();
      if (req.reusedSocket && err.code === 'ECONNRESET' && !(body instanceof ReadableStream))
        reject(new StaleSocketError('kept-alive connection closed', { cause: err }));
      else reject(signal?.aborted ? signal.reason : err);
    });
    req.once('response', (res) => {
      answer = res;
      res.once('close', done);
      resolve(toResponse(method, res));
    });
    // A body stream's error (e.g. a DigestStream mismatch) destroys the request with it.
    if (body instanceof ReadableStream)
      pipeline(Readable.fromWeb(body as NodeReadableStream), req, () => undefined);
    else req.end(body);
  });
}

function toResponse(method: string, res: http.IncomingMessage): Response {
  const status = res.statusCode ?? 500;
  const init = { status, statusText: res.statusMessage ?? '', headers: fetchHeaders(res) };
  if (method === 'HEAD' || status === 204 || status === 205 || status === 304) {
    res.resume(); // read to its end: the connection goes back to the pool
    return new Response(null, init);
  }
  // A queue of BODY_BUFFER_BYTES, not toWeb's default of one chunk: a small body nobody
  // reads (an ignored answer) still reaches its end, so its connection returns to the pool
  // instead of holding the process open. Large bodies still flow with backpressure.
  const stream = Readable.toWeb(res, {
    strategy: new ByteLengthQueuingStrategy({ highWaterMark: BODY_BUFFER_BYTES }),
  });
  return new Response(stream as ReadableStream, init);
}

/** An answer's headers as fetch Headers. */
export function fetchHeaders(res: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}
