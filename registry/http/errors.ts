import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { Header, paths } from '../../lib/api/index.js';
import { type ErrorCode, type ErrorEnvelope, ErrorCodes } from '../../lib/errcode.js';
import {
  ArchiveError,
  DigestInvalidError,
  DigestMismatchError,
  GunzipLimitError,
  ReferenceInvalidError,
  SizeMismatchError,
  UnauthorizedError,
} from '../../lib/errors.js';
import {
  BlobInUseError,
  BlobUnknownError,
  ManifestBlobUnknownError,
  ManifestInvalidError,
  ManifestUnknownError,
  NameUnknownError,
  ParameterInvalidError,
  PayloadTooLargeError,
  RangeNotSatisfiableError,
  RouteUnknownError,
  SignatureInvalidError,
  TagInvalidError,
  DirectDeniedError,
  TorrentUnknownError,
  UnsupportedError,
  UploadInvalidError,
  UploadOutOfOrderError,
  UploadUnknownError,
} from '../errors.js';

export const BASIC_CHALLENGE = 'Basic realm="docket"';

/**
 * The WWW-Authenticate challenge. GET /v2/ is where Docker clients learn the scheme
 * (distribution-spec "Determining support"): it gets a Bearer challenge naming our token
 * endpoint, since the engine applies every challenge it has a handler for and fails a
 * Basic one without credentials, so a Basic challenge there would break anonymous pulls.
 * The web page's requests (Header.requestedWith) get a Bearer challenge too: a browser
 * answers a Basic one with its own password dialog instead of letting the page ask.
 * Everything else gets Basic (curl -u, any user name, the token as password).
 * The realm is built on the registry's public URL (configured, else its listening
 * address), never on the request's Host header: a client sends its credentials to the
 * realm, so a forged Host must not be able to point it elsewhere.
 */
export function authChallenge(ctx: Context, publicUrl: string): string {
  if (ctx.get(Header.requestedWith)) return 'Bearer realm="docket"';
  if (ctx.state.route !== 'v2.base') return BASIC_CHALLENGE;
  return `Bearer realm="${publicUrl}${paths.token()}",service="docket"`;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Domain error class → wire code; the first class the error is an instance of wins. */
const MAPPING: ReadonlyArray<[ErrorClass, ErrorCode]> = [
  [BlobUnknownError, 'BLOB_UNKNOWN'],
  [UploadUnknownError, 'BLOB_UPLOAD_UNKNOWN'],
  [UploadInvalidError, 'BLOB_UPLOAD_INVALID'],
  [UploadOutOfOrderError, 'RANGE_INVALID'],
  [RangeNotSatisfiableError, 'RANGE_INVALID'],
  [DigestInvalidError, 'DIGEST_INVALID'],
  [DigestMismatchError, 'DIGEST_INVALID'],
  [SizeMismatchError, 'SIZE_INVALID'],
  [ManifestBlobUnknownError, 'MANIFEST_BLOB_UNKNOWN'],
  [ManifestInvalidError, 'MANIFEST_INVALID'],
  [ManifestUnknownError, 'MANIFEST_UNKNOWN'],
  [TagInvalidError, 'TAG_INVALID'],
  [ReferenceInvalidError, 'NAME_INVALID'],
  [NameUnknownError, 'NAME_UNKNOWN'],
  [UnauthorizedError, 'UNAUTHORIZED'],
  [SignatureInvalidError, 'DENIED'],
  [PayloadTooLargeError, 'PAYLOAD_TOO_LARGE'],
  [GunzipLimitError, 'LAYER_TOO_LARGE'],
  [ArchiveError, 'ARCHIVE_INVALID'],
  [TorrentUnknownError, 'TORRENT_UNKNOWN'],
  [DirectDeniedError, 'DIRECT_DENIED'],
  [ParameterInvalidError, 'PARAMETER_INVALID'],
  [UnsupportedError, 'UNSUPPORTED'],
  [RouteUnknownError, 'UNSUPPORTED'],
];

export function codeFor(err: unknown): ErrorCode | undefined {
  return MAPPING.find(([cls]) => err instanceof cls)?.[1];
}

/**
 * The outermost middleware: every error becomes the `{errors:[{code,message,detail}]}`
 * envelope (distribution-spec "Error Codes"). Unknown errors are 500 UNKNOWN, logged
 * with their stack; their message is not sent.
 */
export function errorMiddleware(logger: Logger, publicUrl: () => string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const code = codeFor(err);
      let status: number = code ? ErrorCodes[code].status : 500;
      let body: ErrorEnvelope;
      if (code) {
        const e = err as Error & { detail?: unknown };
        body = { errors: [{ code, message: e.message, detail: e.detail ?? {} }] };
      } else {
        logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
        body = { errors: [{ code: 'UNKNOWN', message: ErrorCodes.UNKNOWN.message, detail: {} }] };
      }
      if (err instanceof RouteUnknownError) status = err.methodNotAllowed ? 405 : 404;
      if (err instanceof BlobInUseError) status = 405;
      if (err instanceof UnauthorizedError)
        ctx.set('WWW-Authenticate', authChallenge(ctx, publicUrl()));
      if (err instanceof RangeNotSatisfiableError) ctx.set('Content-Range', `bytes */${err.size}`);
      if (ctx.headerSent || !ctx.writable) {
        ctx.req.socket.destroy();
        return;
      }
      ctx.remove('Content-Length');
      ctx.remove(Header.contentDigest);
      ctx.status = status;
      ctx.type = 'application/json';
      ctx.body = body;
    }
  };
}
