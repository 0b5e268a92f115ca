import { type ErrorCode, isErrorCode } from '../lib/errcode.js';
import { DocketError } from '../lib/errors.js';

export { ConfigError } from '../lib/errors.js';

/**
 * Errors of the client side: what the registry answered (read back from the OCI
 * error envelope), and what went wrong reaching the registry or the Docker engine.
 * The CLI maps each class to one line on stderr and an exit code (exit-codes.ts).
 * A 401/403 answer is lib/errors.ts UnauthorizedError; ConfigError is lib/errors.ts's too
 * (re-exported here for the client's config code).
 */

/** The registry answered with an error status; `code` is the first wire code of the envelope. */
export class RegistryError extends DocketError {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | undefined,
    message: string,
    detail?: unknown,
  ) {
    super(message, detail);
  }

  static codeOf(code: string | undefined): ErrorCode | undefined {
    return code !== undefined && isErrorCode(code) ? code : undefined;
  }
}

/** 404: a repository, tag, manifest or blob the registry does not know. */
export class NotFoundError extends RegistryError {}

/** A registry answer larger than the client reads for its kind (a manifest, a listing...). */
export class ResponseTooLargeError extends DocketError {
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(`the registry sent a ${what} larger than ${limit} bytes; refusing to read it`, {
      what,
      limit,
    });
  }
}

/** The registry could not be reached at all (connection refused, DNS, reset, timeout). */
export class RegistryUnreachableError extends DocketError {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`registry ${url} unreachable (${reason})`, { url, reason });
  }
}

/**
 * A blob's download got no data from any source for a while after the registry's web seed
 * was added: no peer holds the missing pieces and the registry does not answer. The
 * pieces received so far stay in the cache, so the next pull resumes from them.
 */
export class SwarmStalledError extends DocketError {
  constructor(
    readonly digest: string,
    readonly idleMs: number,
    /** What the download had then (peers, pieces missing), for the message. */
    readonly state?: string,
  ) {
    super(
      `download of ${digest} stalled: no peer and no registry web seed sent data for ` +
        `${Math.round(idleMs / 1000)}s${state ? ` (${state})` : ''} (is the registry down?); ` +
        'pull again to resume',
      { digest, idleMs, ...(state ? { state } : {}) },
    );
  }
}

/** The Docker engine could not be reached (DOCKER_HOST socket missing, refused). */
export class EngineUnreachableError extends DocketError {
  constructor(
    readonly reason: string,
    /** The DOCKER_HOST tried (dockerode's default socket when unset). */
    readonly host = 'unix:///var/run/docker.sock',
  ) {
    super(
      `Docker engine unreachable at ${host} (${reason}); is dockerd running and DOCKER_HOST right?`,
    );
  }
}

/** A write ran out of space (ENOSPC) or quota (EDQUOT); what was written so far is kept. */
export class DiskFullError extends DocketError {
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(
      `disk full (${code}) writing ${path}: free some space or pass --cache-dir on a larger disk; ` +
        'the partial download is kept and the next pull resumes it',
      { path, code },
    );
  }
}

/** The Docker engine has no image by that reference. */
export class LocalImageNotFoundError extends DocketError {
  constructor(readonly reference: string) {
    super(`no such image in the Docker engine: ${reference}`, { reference });
  }
}

/** The engine refused an operation; for a load, the `errorDetail` of its progress stream. */
export class EngineError extends DocketError {}

/** The user asked to stop (SIGINT / SIGTERM). */
export class InterruptedError extends DocketError {
  constructor() {
    super('interrupted');
  }
}

/** The system error code of a failed write when it means "no space left". */
export function isDiskFullCode(code: string | undefined): boolean {
  return code === 'ENOSPC' || code === 'EDQUOT';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The system error code (`ECONNREFUSED`…) of an error or of the chain of its causes. */
export function systemErrorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const nested = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(nested) && nested.length > 0) e = nested[0];
    else e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isNetworkErrorCode(code: string | undefined): boolean {
  return code !== undefined && NETWORK_CODES.has(code);
}
