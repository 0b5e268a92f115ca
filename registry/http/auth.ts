import type { Context } from 'koa';
import type { RouteMatch, RouteName } from '../../lib/api/index.js';
import { allows, isAdmin, readsAny, readsBlob, type ScopeAction } from '../../lib/api/scopes.js';
import { UnauthorizedError } from '../../lib/errors.js';
import { AccessDeniedError, BlobUnknownError } from '../errors.js';
import type { ActiveToken, TokenService } from '../services/tokens.js';

/**
 * The token in `Authorization: Bearer <token>` or `Basic base64(user:token)` (any user
 * name, so `docker login -p <token>` works). Undefined when there is no such header.
 */
export function readToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/**
 * The bearer token handed to clients that asked the token endpoint without credentials
 * (Docker's anonymous pull): it stands for "no credentials".
 */
export const ANONYMOUS_TOKEN = 'anonymous';

/**
 * Checks the request's credentials. Presented credentials must be those of a live token
 * (existing, not expired); none at all is fine unless `required`. Returns the token (null
 * when anonymous); throws UnauthorizedError.
 */
export function authenticate(
  ctx: Context,
  tokens: TokenService,
  required: boolean,
): ActiveToken | null {
  const header = ctx.get('Authorization') || undefined;
  if (header === undefined || readToken(header) === ANONYMOUS_TOKEN) {
    if (required) throw new UnauthorizedError('authentication required');
    return null;
  }
  const token = readToken(header);
  const active = token === undefined ? undefined : tokens.verify(token);
  if (active === undefined) throw new UnauthorizedError('invalid credentials');
  return active;
}

/**
 * The scope a request needs (lib/api/scopes.ts):
 * - `token`: any live token (GET /v2/, whoami, an upload session's status is checked per
 *   token);
 * - `read`: a read outside one repository (catalog, image list, blobs and torrents by
 *   digest, layers, infohashes, events, swarm, health, metrics): a token that may pull
 *   some repository;
 * - a repository action: pull (reads), push (uploads, manifest PUT, rollback), delete
 *   (manifest DELETE) on the repository in the path;
 * - `admin`: gc, tokens, blob DELETE (blobs are shared by every repository), tarball
 *   import (it names its repositories inside the body).
 */
export type Access =
  | { kind: 'token' }
  | { kind: 'read' }
  | { kind: 'admin' }
  | { kind: 'repository'; action: ScopeAction; name: string };

export function accessFor(match: RouteMatch, method: string): Access {
  const read = method === 'GET' || method === 'HEAD';
  const name = match.params[0] ?? '';
  switch (match.route) {
    case 'v2.base':
    case 'docket.whoami':
      return { kind: 'token' };
    case 'v2.tags':
    case 'v2.referrers':
    case 'docket.history':
      return { kind: 'repository', action: 'pull', name };
    case 'v2.manifest':
      return {
        kind: 'repository',
        action: read ? 'pull' : method === 'DELETE' ? 'delete' : 'push',
        name,
      };
    case 'v2.blob':
      return read ? { kind: 'repository', action: 'pull', name } : { kind: 'admin' };
    case 'v2.uploads':
    case 'v2.upload':
    case 'docket.rollback':
      return { kind: 'repository', action: 'push', name };
    case 'docket.images':
      return read ? { kind: 'read' } : { kind: 'admin' };
    case 'docket.gc':
    case 'docket.tokens':
    case 'docket.token':
    case 'docket.tokenRotate':
      return { kind: 'admin' };
    default:
      return read ? { kind: 'read' } : { kind: 'admin' };
  }
}

/**
 * Whether `token` (null: anonymous) holds `access`; throws AccessDeniedError (403 DENIED)
 * when it does not, UnauthorizedError (401, with the challenge) when anonymous or when
 * the token is an access token from /v2/token narrowed below what its docket token holds
 * (the client asks the token endpoint again for the scope the challenge names, as Docker
 * does). A read open to anonymous requests (`open`: public mode) is never refused for
 * lack of scope: a token cannot make a reader see less than no token.
 */
export function authorizeAccess(token: ActiveToken | null, access: Access, open: boolean): void {
  if (
    open &&
    (access.kind === 'read' || (access.kind === 'repository' && access.action === 'pull'))
  )
    return;
  if (token === null) throw new UnauthorizedError('authentication required');
  const held = token.scopes;
  switch (access.kind) {
    case 'token':
      return;
    case 'read':
      if (!readsAny(held)) throw new AccessDeniedError('pull');
      return;
    case 'admin':
      if (!isAdmin(held)) throw refusal(token, isAdmin, 'admin');
      return;
    case 'repository':
      if (!allows(held, access.action, access.name))
        throw refusal(
          token,
          (scopes) => allows(scopes, access.action, access.name),
          `${access.action}:${access.name}`,
        );
  }
}

function refusal(
  token: ActiveToken,
  would: (scopes: ActiveToken['scopes']) => boolean,
  needed: string,
): Error {
  if (token.issuedFrom && would(token.issuedFrom.scopes))
    return new UnauthorizedError(`access token lacks the scope ${needed}`);
  return new AccessDeniedError(needed);
}

/**
 * The blob a request reads by digest, for the holder check (authorizeBlobRead): GET/HEAD
 * of `/v2/<name>/blobs/<digest>` (with its repository), `/docket/v1/blobs/<digest>` and
 * its `.torrent`. Undefined for every other request.
 */
export function blobReadOf(
  match: RouteMatch,
  method: string,
): { digest: string; repository?: string } | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  switch (match.route) {
    case 'v2.blob':
      return { digest: match.params[1] ?? '', repository: match.params[0] ?? '' };
    case 'docket.blob':
    case 'docket.torrent':
      return { digest: match.params[0] ?? '' };
    default:
      return undefined;
  }
}

/**
 * A token that does not read every repository reads a blob only through a repository
 * that holds it (`holders`: those with a manifest naming it; lib/api/scopes.ts readsBlob):
 * through `/v2/<name>/blobs/` only when `<name>` holds it, else 404 BLOB_UNKNOWN, as
 * Distribution answers for a blob not linked to the repository; through docket's blob
 * routes only when it may pull one of them, else 403 DENIED. An unknown blob is answered
 * the same, so neither tells whether another repository has the blob. Called for reads
 * that need a token (private mode); public reads are open to all.
 */
export function authorizeBlobRead(
  token: ActiveToken,
  read: { digest: string; repository?: string },
  holders: readonly string[],
): void {
  const through =
    read.repository === undefined ? holders : holders.filter((h) => h === read.repository);
  if (readsBlob(token.scopes, through)) return;
  if (read.repository !== undefined) throw new BlobUnknownError(read.digest);
  throw new AccessDeniedError(`pull on a repository holding ${read.digest}`);
}

/**
 * Routes that always need a token. GET /v2/ is how Docker clients learn the auth scheme
 * and check a `docker login`: answering it 200 anonymously would make the engine push
 * without credentials and accept any password. An upload session is part of a push: it is
 * opened with a token and answers only to that token (services/upload-sessions.ts), so
 * its status (GET) is challenged like its writes; answered anonymously it could only be
 * 404, and a client that sends credentials after a challenge (Docker) would never get
 * to read it. Whoami answers about the token the request carries.
 */
const TOKEN_ROUTES: ReadonlySet<RouteName> = new Set([
  'v2.base',
  'v2.uploads',
  'v2.upload',
  'docket.whoami',
]);

/**
 * Whether a request to `route` must carry a valid token: writes (anything but GET and
 * HEAD) always, reads when the registry is private (`authReads`), and every method of
 * TOKEN_ROUTES. Routes open to everyone are the caller's to skip.
 */
export function requiresToken(route: RouteName, method: string, authReads: boolean): boolean {
  const write = method !== 'GET' && method !== 'HEAD';
  return write || authReads || TOKEN_ROUTES.has(route);
}
