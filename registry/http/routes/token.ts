import { UnauthorizedError } from '../../../lib/errors.js';
import { ANONYMOUS_TOKEN, readToken } from '../auth.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/**
 * The token endpoint named in the Bearer challenge (Docker "Token Authentication
 * Specification"). The engine only pulls anonymously from a registry that challenges
 * with Bearer, so: no credentials → the anonymous token; a valid docket token (Basic
 * password or Bearer) → that same token back; anything else → 401.
 */
export function tokenRoutes(deps: HttpDeps): RouteTable {
  const issue: Handler = (ctx) => {
    const header = ctx.get('Authorization') || undefined;
    let token = ANONYMOUS_TOKEN;
    if (header !== undefined) {
      const presented = readToken(header);
      if (presented === undefined || deps.tokens.verify(presented) === undefined)
        throw new UnauthorizedError('invalid credentials');
      token = presented;
    }
    ctx.body = {
      token,
      access_token: token,
      expires_in: 3600,
      issued_at: new Date().toISOString(),
    };
  };
  return { 'v2.token': { GET: issue } };
}
