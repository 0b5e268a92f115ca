import type { Context } from 'koa';
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
