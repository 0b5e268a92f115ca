import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/**
 * What the registry client reads of an HTTP answer: the part of fetch's Response it uses
 * (a Response is one). Answers from httpFetch are not Responses: in Node 20, merely
 * constructing a Response or Headers loads undici (~50 ms of CPU).
 */
export interface HttpAnswer {
  readonly status: number;
  /** 2xx. */
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** Null for HEAD, 204, 205 and 304 answers. */
  readonly body: ReadableStream<Uint8Array> | null;
  /**
   * The body as a Node stream, without the web stream (whose adapter copies every chunk):
   * offered for requests sent with `nodeBody` (httpFetch), once, and only while `body`,
   * `text` and `json` are unused. Absent on other answers: read `body`.
   */
  nodeBody?(): Readable | undefined;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface HttpRequest {
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | ReadableStream | null;
  signal?: AbortSignal;
  /**
   * The caller reads the answer's body with `nodeBody()` (large blobs: no copy per chunk).
   * Such a body is not read ahead: an answer nobody reads holds its connection.
   */
  nodeBody?: boolean;
}

/** What RegistryTransport sends requests with: httpFetch (or a fetch-like stand-in). */
export type FetchFn = (url: URL, init: HttpRequest) => Promise<HttpAnswer>;

/**
 * Requests over node:http instead of fetch: Node 20's fetch costs ~0.28 s of CPU the first
 * time a process uses it (loading undici and compiling its WebAssembly HTTP parser), more
 * than the rest of a small `docket pull`. The body of the answer is streamed.
 *
 * Unlike fetch, which the registry protocol does not need: redirects are not followed
 * (3xx is answered as is), and no content-encoding is asked for or decoded.
 *
 * An aborted `init.signal` rejects with (or, once answered, errors the body with) the
 * signal's reason, as fetch does. A request without a streamed body is sent again once
 * when a kept-alive connection turns out closed by the server (Node's `reusedSocket`).
 */
export async function httpFetch(url: URL, init: HttpRequest = {}): Promise<HttpAnswer> {
  init.signal?.throwIfAborted();
  if (init.body instanceof ReadableStream) return send(url, init);
  try {
    return await send(url, init);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    return send(url, init);
  }
}

/** An answer already read whole (http-stream-request.ts reads upload answers so). */
export function bufferedAnswer(res: http.IncomingMessage, bytes: Buffer): HttpAnswer {
  const status = res.statusCode ?? 500;
  const body = hasNoBody('', status)
    ? null
    : new ReadableStream<Uint8Array>({
        start(controller) {
          if (bytes.length > 0) controller.enqueue(new Uint8Array(bytes));
          controller.close();
        },
      });
  return new NodeAnswer(status, res.headers, body);
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

function send(url: URL, init: HttpRequest): Promise<HttpAnswer> {
  const mod = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'];
  const { method = 'GET', body, signal } = init;
  const headers = { ...init.headers };
  if (body instanceof Uint8Array && !Object.keys(headers).some(isContentLength))
    headers['content-length'] = String(body.byteLength);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent });
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
      resolve(streamedAnswer(method, res, init.nodeBody === true));
    });
    // A body stream's error (e.g. a DigestStream mismatch) destroys the request with it.
    if (body instanceof ReadableStream)
      pipeline(Readable.fromWeb(body as NodeReadableStream), req, () => undefined);
    else req.end(body ?? undefined);
  });
}

function isContentLength(name: string): boolean {
  return name.toLowerCase() === 'content-length';
}

function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 205 || status === 304;
}

function streamedAnswer(method: string, res: http.IncomingMessage, nodeBody: boolean): HttpAnswer {
  const status = res.statusCode ?? 500;
  if (hasNoBody(method, status)) {
    res.resume(); // read to its end: the connection goes back to the pool
    return new NodeAnswer(status, res.headers, null);
  }
  if (nodeBody) return new NodeAnswer(status, res.headers, res);
  return new NodeAnswer(status, res.headers, toWeb(res));
}

/**
 * A queue of BODY_BUFFER_BYTES, not toWeb's default of one chunk: a small body nobody
 * reads (an ignored answer) still reaches its end, so its connection returns to the pool
 * instead of holding the process open. Large bodies still flow with backpressure.
 */
function toWeb(res: http.IncomingMessage): ReadableStream<Uint8Array> {
  return Readable.toWeb(res, {
    strategy: new ByteLengthQueuingStrategy({ highWaterMark: BODY_BUFFER_BYTES }),
  }) as ReadableStream<Uint8Array>;
}

class NodeAnswer implements HttpAnswer {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  private web: ReadableStream<Uint8Array> | null;
  /** The body as it came off the socket, until it is handed out or wrapped. */
  private unread: http.IncomingMessage | undefined;

  constructor(
    readonly status: number,
    raw: http.IncomingHttpHeaders,
    body: ReadableStream<Uint8Array> | http.IncomingMessage | null,
  ) {
    if (body instanceof Readable) {
      this.unread = body;
      this.web = null;
    } else this.web = body;
    this.ok = status >= 200 && status < 300;
    this.headers = {
      // Node lower-cases the names and joins repeated fields but set-cookie with ", ".
      get: (name) => {
        const value = raw[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.unread) {
      this.web = toWeb(this.unread);
      this.unread = undefined;
    }
    return this.web;
  }

  nodeBody(): Readable | undefined {
    const body = this.unread;
    this.unread = undefined;
    return body;
  }

  async text(): Promise<string> {
    if (!this.body) return '';
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.body) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
