import type { Context, Middleware } from 'koa';
import { Header } from '../api/headers.js';
import { type ErrorCode, ErrorCodes, type ErrorEnvelope } from '../errcode.js';
import { sendJson } from './content.js';
import {
  ArchiveError,
  DigestInvalidError,
  DigestMismatchError,
  GunzipLimitError,
  ReferenceInvalidError,
  SizeMismatchError,
  UnauthorizedError,
} from '../errors.js';
import {
  ForeignRequestError,
  MethodNotAllowedError,
  RangeNotSatisfiableError,
  RouteUnknownError,
} from './errors.js';

/** What an error becomes on the wire. */
export interface WireAnswer {
  code: ErrorCode;
  /** The code's status (lib/errcode.ts) unless given. */
  status?: number;
  /** Response headers the answer needs (a challenge, Content-Range, Allow). */
  headers?: Record<string, string>;
}

/** The answer for an error, or undefined when the mapper does not know it. */
export type ErrorMapper = (err: unknown, ctx: Context) => WireAnswer | undefined;

type ErrorClass = abstract new (...args: never[]) => Error;

/** A mapper over a class → code table: the first class the error is an instance of wins. */
export function byClass(
  table: ReadonlyArray<readonly [ErrorClass, ErrorCode]>,
): (err: unknown) => WireAnswer | undefined {
  return (err) => {
    const code = table.find(([cls]) => err instanceof cls)?.[1];
    return code && { code };
  };
}

const libClasses = byClass([
  [DigestInvalidError, 'DIGEST_INVALID'],
  [DigestMismatchError, 'DIGEST_INVALID'],
  [SizeMismatchError, 'SIZE_INVALID'],
  [ReferenceInvalidError, 'NAME_INVALID'],
  [UnauthorizedError, 'UNAUTHORIZED'],
  [GunzipLimitError, 'LAYER_TOO_LARGE'],
  [ArchiveError, 'ARCHIVE_INVALID'],
]);

/** lib's own errors, asked after the server's mappers (a subclass of its, another status). */
export function libErrors(err: unknown): WireAnswer | undefined {
  if (err instanceof ForeignRequestError) return { code: 'DENIED' };
  if (err instanceof RouteUnknownError) return { code: 'UNSUPPORTED', status: 404 };
  if (err instanceof MethodNotAllowedError)
    return { code: 'UNSUPPORTED', status: 405, headers: { Allow: err.allowed.join(', ') } };
  if (err instanceof RangeNotSatisfiableError)
    return { code: 'RANGE_INVALID', headers: { 'Content-Range': `bytes */${err.size}` } };
  return libClasses(err);
}

/**
 * The status, headers and `{errors:[{code,message,detail}]}` envelope of an error with
 * `answer` (distribution-spec "Error Codes"); without one, 500 UNKNOWN without the
 * error's message. Pure: the middleware below and the engine feed share it.
 */
export function errorResponse(
  err: unknown,
  answer: WireAnswer | undefined,
): { status: number; headers: Record<string, string>; body: ErrorEnvelope } {
  if (!answer) {
    const body: ErrorEnvelope = {
      errors: [{ code: 'UNKNOWN', message: ErrorCodes.UNKNOWN.message, detail: {} }],
    };
    return { status: 500, headers: {}, body };
  }
  const e = err as Error & { detail?: unknown };
  return {
    status: answer.status ?? ErrorCodes[answer.code].status,
    headers: answer.headers ?? {},
    body: { errors: [{ code: answer.code, message: e.message, detail: e.detail ?? {} }] },
  };
}

export interface ErrorMiddlewareOptions {
  /** The server's own mappings, asked in order before lib's. */
  mappers?: readonly ErrorMapper[];
  /** Told of every error no mapper knows (to log it with its stack). */
  onUnknown(err: unknown, ctx: Context): void;
}

/**
 * The outermost middleware of every docket HTTP server: each error becomes the
 * `{errors:[{code,message,detail}]}` envelope (distribution-spec "Error Codes") with the
 * code's status. An error no mapper knows is 500 UNKNOWN, handed to `onUnknown`; its
 * message is not sent. When the response has begun, the connection is cut instead.
 */
export function errorMiddleware(opts: ErrorMiddlewareOptions): Middleware {
  const mappers = [...(opts.mappers ?? []), libErrors];
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      let answer: WireAnswer | undefined;
      for (const mapper of mappers) {
        answer = mapper(err, ctx);
        if (answer) break;
      }
      if (!answer) opts.onUnknown(err, ctx);
      if (ctx.headerSent || !ctx.writable) {
        ctx.req.socket.destroy();
        return;
      }
      const { status, headers, body } = errorResponse(err, answer);
      ctx.set(headers);
      ctx.remove('Content-Length');
      ctx.remove(Header.contentDigest);
      ctx.status = status;
      sendJson(ctx, body);
    }
  };
}
