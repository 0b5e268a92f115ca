import {
  grantRequested,
  parseRequestedScopes,
  type RepositoryAccess,
} from '../../../lib/api/scopes.js';
import { UnauthorizedError } from '../../../lib/errors.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import { parseName } from '../../../lib/reference.js';
import { ACCESS_TOKEN_TTL_SECONDS, type ActiveToken } from '../../services/tokens.js';
import { ANONYMOUS_TOKEN, readToken } from '../auth.js';
import type { HttpDeps } from '../route.js';

/**
 * The token endpoint named in the Bearer challenge (Docker "Token Authentication
 * Specification", Distribution's token model). The engine only pulls anonymously from a
 * registry that challenges with Bearer, so: no credentials → the anonymous token; a valid
 * docket token (Basic password or Bearer) → an access token; anything else → 401.
 *
 * Each requested `scope` (`repository:<name>:<actions>`) is granted only the actions the
 * token holds (lib/api/scopes.ts grantRequested: the rest are left out, not refused), and
 * `access` lists what was granted. The access token (services/tokens.ts) carries exactly
 * that, for `expires_in` seconds, and is checked against its docket token's current state
 * at every request, so a revoke or rotation ends it at once. The anonymous token holds
 * pull in public mode and nothing with --auth-reads.
 */
export function tokenRoutes(deps: HttpDeps): RouteTable {
  const issue: Handler = (ctx) => {
    const header = ctx.get('Authorization') || undefined;
    let holder: ActiveToken | null = null;
    let presented: string | undefined;
    if (header !== undefined) {
      presented = readToken(header);
      holder = (presented === undefined ? undefined : deps.tokens.verify(presented)) ?? null;
      if (holder === null) throw new UnauthorizedError('invalid credentials');
    }
    const scope = ctx.query.scope;
    const requested = parseRequestedScopes(
      scope === undefined ? [] : Array.isArray(scope) ? scope : [scope],
      isName,
    );
    const granted = grantRequested(holder?.scopes ?? null, requested, !deps.authReads);
    // Without a server secret to sign with (a TokenService built without one) the presented
    // token itself, which is checked against its full scopes.
    const token =
      holder === null
        ? ANONYMOUS_TOKEN
        : (deps.tokens.issueAccessToken(holder, granted.filter(hasActions)) ?? presented);
    ctx.body = {
      token,
      access_token: token,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      issued_at: new Date().toISOString(),
      access: granted.map((g) => ({ type: 'repository', ...g })),
    };
  };
  return { 'v2.token': { GET: issue } };
}

function hasActions(g: RepositoryAccess): boolean {
  return g.actions.length > 0;
}

function isName(name: string): boolean {
  try {
    parseName(name);
    return true;
  } catch {
    return false;
  }
}
