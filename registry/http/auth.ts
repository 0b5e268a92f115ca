import type { Context } from 'koa';
import type { RouteName } from '../../lib/api/index.js';
import { UnauthorizedError } from '../../lib/errors.js';
import type { TokenService } from '../services/tokens.js';

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
 * Checks the request's credentials. Presented credentials must be valid; none at all
 * is fine unless `required`. Returns the token's name (null when anonymous); throws
 * UnauthorizedError.
 */
export function authenticate(ctx: Context, tokens: TokenService, required: boolean): string | null {
  const header = ctx.get('Authorization') || undefined;
  if (header === undefined || readToken(header) === ANONYMOUS_TOKEN) {
    if (required) throw new UnauthorizedError('authentication required');
    return null;
  }
  const token = readToken(header);
  const name = token === undefined ? undefined : tokens.verify(token);
  if (name === undefined) throw new UnauthorizedError('invalid credentials');
  return name;
}

/**
 * Routes that always need a token. GET /v2/ is how Docker clients learn the auth scheme
 * and check a `docker login`: answering it 200 anonymously would make the engine push
 * without credentials and accept any password. An upload session is part of a push: it is
 * opened with a token and answers only to that token (services/upload-sessions.ts), so
 * its status (GET) is challenged like its writes; answered anonymously it could only be
 * 404, and a client that sends credentials after a challenge (Docker) would never get
 * to read it.
 */
const TOKEN_ROUTES: ReadonlySet<RouteName> = new Set(['v2.base', 'v2.uploads', 'v2.upload']);

/**
 * Whether a request to `route` must carry a valid token: writes (anything but GET and
 * HEAD) always, reads when the registry is private (`authReads`), and every method of
 * TOKEN_ROUTES. Routes open to everyone are the caller's to skip.
 */
export function requiresToken(route: RouteName, method: string, authReads: boolean): boolean {
  const write = method !== 'GET' && method !== 'HEAD';
  return write || authReads || TOKEN_ROUTES.has(route);
}
