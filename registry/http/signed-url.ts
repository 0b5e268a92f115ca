import type { Context } from 'koa';
import type { RouteMatch } from '../../lib/api/index.js';
import { UnauthorizedError } from '../../lib/errors.js';
import { SignatureInvalidError } from '../errors.js';
import { digestParam } from './params.js';
import type { SignedUrls } from './route.js';

/**
 * Whether the request reads a blob through the signed web seed URL of a private
 * registry's torrent (`GET /docket/v1/blobs/<digest>?expires=..&token=..&sig=..`), which stands in
 * for a token: webtorrent sends no Authorization header. False when the URL carries no
 * signature (the usual auth applies). Throws UnauthorizedError (401) when it expired or its
 * token was revoked (or expired), and
 * SignatureInvalidError (403) when the registry did not sign it for this blob.
 */
export function signedBlobRequest(
  ctx: Context,
  match: RouteMatch,
  signedUrls: SignedUrls | undefined,
): boolean {
  if (!signedUrls || match.route !== 'docket.blob') return false;
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
  const { expires, token, sig } = ctx.query;
  if (expires === undefined && sig === undefined) return false;
  const digest = digestParam(match.params[0]);
  if (typeof expires !== 'string' || typeof token !== 'string' || typeof sig !== 'string')
    throw new SignatureInvalidError(digest);
  const check = signedUrls.checkBlobUrl(digest, { expires, token, sig });
  if (check === 'expired') throw new UnauthorizedError('signed URL expired');
  if (check === 'revoked') throw new UnauthorizedError('signed URL of a revoked token');
  if (check === 'forged') throw new SignatureInvalidError(digest);
  return true;
}
