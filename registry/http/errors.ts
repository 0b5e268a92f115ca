import type { Context } from 'koa';
import { Header, paths } from '../../lib/api/index.js';
import type { ScopeAction } from '../../lib/api/scopes.js';
import { UnauthorizedError } from '../../lib/errors.js';
import { byClass, type ErrorMapper } from '../../lib/http/error-middleware.js';
import {
  AccessDeniedError,
  TokenExistsError,
  TokenInvalidError,
  TokenUnknownError,
  BlobInUseError,
  BlobUnknownError,
  ManifestBlobUnknownError,
  ManifestInvalidError,
  ManifestUnknownError,
  NameUnknownError,
  ParameterInvalidError,
  PayloadTooLargeError,
  SignatureInvalidError,
  TagInvalidError,
  DirectDeniedError,
  GcRunningError,
  TorrentUnknownError,
  UnsupportedError,
  UploadInvalidError,
  UploadOutOfOrderError,
  UploadUnknownError,
} from '../errors.js';
import type { Access } from './auth.js';

export const BASIC_CHALLENGE = 'Basic realm="docket"';

/**
 * The WWW-Authenticate challenge. GET /v2/ is where Docker clients learn the scheme
 * (distribution-spec "Determining support"): it gets a Bearer challenge naming our token
 * endpoint, since the engine applies every challenge it has a handler for and fails a
 * Basic one without credentials, so a Basic challenge there would break anonymous pulls.
 * A repository's routes get the same challenge with the `scope` the request needs
 * (Docker "Token Authentication Specification"), and `error="insufficient_scope"` when
 * a valid access token without it was presented: the client asks the token endpoint for that scope.
 * The web page's requests (Header.requestedWith) get a bare Bearer challenge: a browser
 * answers a Basic one with its own password dialog instead of letting the page ask.
 * Everything else gets Basic (curl -u, any user name, the token as password).
 * The realm is built on the registry's public URL (configured, else its listening
 * address), never on the request's Host header: a client sends its credentials to the
 * realm, so a forged Host must not be able to point it elsewhere.
 */
export function authChallenge(ctx: Context, publicUrl: string): string {
  if (ctx.get(Header.requestedWith)) return 'Bearer realm="docket"';
  const bearer = `Bearer realm="${publicUrl}${paths.token()}",service="docket"`;
  if (ctx.state.route === 'v2.base') return bearer;
  const access = ctx.state.access as Access | undefined;
  if (access?.kind !== 'repository') return BASIC_CHALLENGE;
  const insufficient = ctx.state.authenticated === true ? ',error="insufficient_scope"' : '';
  return `${bearer},scope="${challengeScope(access.name, access.action)}"${insufficient}`;
}

/** Docker's resource scope for `action` on `name` (a push needs pull as well). */
export function challengeScope(name: string, action: ScopeAction): string {
  return `repository:${name}:${action === 'push' ? 'pull,push' : action}`;
}

const registryClasses = byClass([
  [BlobUnknownError, 'BLOB_UNKNOWN'],
  [UploadUnknownError, 'BLOB_UPLOAD_UNKNOWN'],
  [UploadInvalidError, 'BLOB_UPLOAD_INVALID'],
  [UploadOutOfOrderError, 'RANGE_INVALID'],
  [ManifestBlobUnknownError, 'MANIFEST_BLOB_UNKNOWN'],
  [ManifestInvalidError, 'MANIFEST_INVALID'],
  [ManifestUnknownError, 'MANIFEST_UNKNOWN'],
  [TagInvalidError, 'TAG_INVALID'],
  [NameUnknownError, 'NAME_UNKNOWN'],
  [SignatureInvalidError, 'DENIED'],
  [PayloadTooLargeError, 'PAYLOAD_TOO_LARGE'],
  [TorrentUnknownError, 'TORRENT_UNKNOWN'],
  [DirectDeniedError, 'DIRECT_DENIED'],
  [ParameterInvalidError, 'PARAMETER_INVALID'],
  [AccessDeniedError, 'DENIED'],
  [TokenInvalidError, 'TOKEN_INVALID'],
  [TokenUnknownError, 'TOKEN_UNKNOWN'],
  [TokenExistsError, 'TOKEN_EXISTS'],
  [GcRunningError, 'GC_RUNNING'],
  [UnsupportedError, 'UNSUPPORTED'],
]);

/**
 * The registry's errors on the wire, before lib/http's own: its domain errors by class, a
 * blob still in use as 405 (distribution-spec "Deleting blobs"), and a refusal with its
 * WWW-Authenticate challenge.
 */
export function registryErrors(publicUrl: () => string): ErrorMapper {
  return (err, ctx) => {
    if (err instanceof BlobInUseError) return { code: 'UNSUPPORTED', status: 405 };
    if (err instanceof UnauthorizedError)
      return {
        code: 'UNAUTHORIZED',
        headers: { 'WWW-Authenticate': authChallenge(ctx, publicUrl()) },
      };
    return registryClasses(err);
  };
}
