import type { Readable } from 'node:stream';
import { parseErrorEnvelope } from '../lib/errcode.js';
import { DocketError, UnauthorizedError } from '../lib/errors.js';
import { readBoundedJson } from './bounded-body.js';
import {
  isNetworkErrorCode,
  NotFoundError,
  RegistryError,
  RegistryUnreachableError,
  systemErrorCode,
} from './errors.js';
import { type FetchFn, type HttpAnswer, httpFetch } from './http-fetch.js';
import { streamRequest } from './http-stream-request.js';

/** An error envelope is small: read at most this much of an error answer. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface RegistryTransportOptions {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` on every request when set. */
  token?: string;
  /** Default: httpFetch (node:http: Node 20's own fetch costs ~0.3 s of CPU to start). */
  fetch?: FetchFn;
}

export interface RequestOptions {
  body?: Buffer | ReadableStream;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Resolve with the response whatever its status (the caller reads only headers). */
  anyStatus?: boolean;
  /** The caller reads a 2xx body with `nodeBody()` (HttpRequest.nodeBody). */
  nodeBody?: boolean;
}

/**
 * HTTP to one registry: the token on every request, and every failure mapped to the
 * errors RegistryClient's contract names: UnauthorizedError (401/403), NotFoundError
 * (404), RegistryError (any other error status, with the envelope's code),
 * RegistryUnreachableError (no answer), or the DocketError a request body failed with.
 */
export class RegistryTransport {
  readonly url: URL;
  private readonly token: string | undefined;
  private readonly fetchFn: FetchFn;

  constructor(opts: RegistryTransportOptions) {
    this.url = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
    this.token = opts.token;
    this.fetchFn = opts.fetch ?? httpFetch;
  }

  /** Sends a large streamed body with backpressure (http-stream-request.ts). */
  stream(
    method: string,
    url: URL,
    body: Readable,
    headers: Record<string, string>,
  ): Promise<HttpAnswer> {
    const all = this.headers(headers);
    return this.settle(method, url, false, () => streamRequest(method, url, all, body));
  }

  /**
   * `path` is a path from lib/api `paths` (resolved under the base URL, which may carry a
   * path prefix) or an absolute URL the registry handed out (an upload's Location).
   */
  async request(
    method: string,
    path: string | URL,
    init: RequestOptions = {},
  ): Promise<HttpAnswer> {
    const url = typeof path === 'string' ? new URL(`.${path}`, this.url) : path;
    const headers = this.headers(init.headers);
    return this.settle(method, url, init.anyStatus ?? false, () =>
      this.fetchFn(url, {
        method,
        headers,
        body: init.body ?? null,
        ...(init.signal ? { signal: init.signal } : {}),
        ...(init.nodeBody ? { nodeBody: true } : {}),
      }),
    );
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** Maps a failed exchange to the errors the class contract names. */
  private async settle(
    method: string,
    url: URL,
    anyStatus: boolean,
    send: () => Promise<HttpAnswer>,
  ): Promise<HttpAnswer> {
    let res: HttpAnswer;
    try {
      res = await send();
    } catch (err) {
      const inner = docketCause(err);
      if (inner) throw inner;
      const code = systemErrorCode(err);
      if (isNetworkErrorCode(code) || code === undefined)
        throw new RegistryUnreachableError(this.url.origin, code ?? 'network error');
      // An https:// URL for a plain-HTTP server fails its TLS handshake with an OpenSSL code.
      if (code.startsWith('ERR_SSL_') || code === 'EPROTO')
        throw new RegistryUnreachableError(
          this.url.origin,
          this.url.protocol === 'https:'
            ? `${code}; the registry may speak plain HTTP: try http://${this.url.host}`
            : code,
        );
      throw err;
    }
    if (res.ok || anyStatus) return res;
    throw await responseError(method, url, res);
  }
}

/** A DocketError a request body stream failed with (e.g. DigestStream), under fetch's TypeError. */
function docketCause(err: unknown): DocketError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof DocketError) return e;
    e = e.cause;
  }
  return undefined;
}

async function responseError(method: string, url: URL, res: HttpAnswer): Promise<Error> {
  let body: unknown;
  if (method !== 'HEAD') {
    try {
      body = await readBoundedJson(res, ERROR_BODY_LIMIT, 'error');
    } catch {
      // Not an envelope (or too large to be one): the status says it all.
      body = undefined;
    }
  }
  const first = parseErrorEnvelope(body)?.errors[0];
  const code = RegistryError.codeOf(first?.code);
  const message = first?.message ?? `${method} ${url.pathname} answered ${res.status}`;
  if (res.status === 401 || res.status === 403)
    return new UnauthorizedError(message, first?.detail);
  if (res.status === 404) return new NotFoundError(res.status, code, message, first?.detail);
  return new RegistryError(res.status, code, message, first?.detail);
}
