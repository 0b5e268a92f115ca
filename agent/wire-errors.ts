import type { Context, Next } from 'koa';
import { type ErrorCode, ErrorCodes, type ErrorEnvelope } from '../lib/errcode.js';
import {
  DigestInvalidError,
  DigestMismatchError,
  ReferenceInvalidError,
  SizeMismatchError,
  UnauthorizedError,
} from '../lib/errors.js';
import { NotFoundError, RegistryError, RegistryUnreachableError } from '../client/errors.js';

/** A request the agent does not serve (it is read-only) or a path it does not know. */
export class AgentRouteError extends Error {
  constructor(
    readonly status: 404 | 405,
    message: string,
  ) {
    super(message);
  }
}

/** A `Range` header the agent cannot satisfy for a blob of `size` bytes. */
export class AgentRangeError extends Error {
  constructor(readonly size: number) {
    super(`range not satisfiable for ${size} bytes`);
  }
}

/**
 * What the runtime sees for each failure (distribution-spec "Error Codes"): the registry's
 * 404s keep their code (a bare 404 to a blob HEAD is BLOB_UNKNOWN); an unreachable registry is 503 UNAVAILABLE; content that failed
 * verification is 502 DIGEST_INVALID / SIZE_INVALID (the fault is upstream, and nothing of
 * it was served); credentials the registry refused are 502 DENIED (the runtime has none
 * to offer: they live with the agent).
 */
export function wireError(err: unknown): { status: number; code: ErrorCode } | undefined {
  if (err instanceof AgentRouteError) return { status: err.status, code: 'UNSUPPORTED' };
  if (err instanceof AgentRangeError) return { status: 416, code: 'RANGE_INVALID' };
  // Only a HEAD (of a blob: manifests are fetched with GET) comes back without a code.
  if (err instanceof NotFoundError) return { status: 404, code: err.code ?? 'BLOB_UNKNOWN' };
  if (err instanceof RegistryUnreachableError) return { status: 503, code: 'UNAVAILABLE' };
  if (err instanceof UnauthorizedError) return { status: 502, code: 'DENIED' };
  if (err instanceof DigestMismatchError) return { status: 502, code: 'DIGEST_INVALID' };
  if (err instanceof SizeMismatchError) return { status: 502, code: 'SIZE_INVALID' };
  if (err instanceof DigestInvalidError) return { status: 400, code: 'DIGEST_INVALID' };
  if (err instanceof ReferenceInvalidError) return { status: 400, code: 'NAME_INVALID' };
  if (err instanceof RegistryError) {
    const code = err.code ?? 'UNKNOWN';
    return { status: err.status >= 500 ? 502 : ErrorCodes[code].status, code };
  }
  return undefined;
}

/**
 * The agent's outermost middleware: every error becomes the `{errors:[…]}` envelope;
 * unknown errors are 500 UNKNOWN, reported to `onUnknown`, their message not sent.
 */
export function agentErrorMiddleware(onUnknown: (err: unknown, ctx: Context) => void) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const mapped = wireError(err);
      if (!mapped) onUnknown(err, ctx);
      const code = mapped?.code ?? 'UNKNOWN';
      const message = mapped ? (err as Error).message : ErrorCodes.UNKNOWN.message;
      const body: ErrorEnvelope = { errors: [{ code, message, detail: {} }] };
      if (err instanceof AgentRangeError) ctx.set('Content-Range', `bytes */${err.size}`);
      if (ctx.headerSent || !ctx.writable) {
        ctx.req.socket.destroy();
        return;
      }
      ctx.remove('Content-Length');
      ctx.status = mapped?.status ?? 500;
      ctx.type = 'application/json';
      ctx.body = body;
    }
  };
}
