import { allows, type ScopeAction } from '../../../lib/api/scopes.js';
import { UnauthorizedError } from '../../../lib/errors.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { ActiveToken } from '../../services/tokens.js';
import { ANONYMOUS_TOKEN, readToken } from '../auth.js';
import type { HttpDeps } from '../route.js';

/** One granted resource, as the Docker token spec's `access` claim lists it. */
interface GrantedAccess {
  type: 'repository';
  name: string;
  actions: ScopeAction[];
}

const ACTIONS: readonly ScopeAction[] = ['pull', 'push', 'delete'];

/**
 * The token endpoint named in the Bearer challenge (Docker "Token Authentication
 * Specification"). The engine only pulls anonymously from a registry that challenges
 * with Bearer, so: no credentials → the anonymous token; a valid docket token (Basic
 * password or Bearer) → that same token back; anything else → 401.
 *
 * Each requested `scope` (`repository:<name>:<actions>`, repeated or space-separated) is
 * answered in `access` with only the actions the token holds (lib/api/scopes.ts;
 * `delete` as Distribution's `delete`, `*` for all three); the anonymous token holds pull
 * in public mode and nothing with --auth-reads. The token handed back is the docket token
 * itself: every request it makes is authorized by its scopes again (auth.ts), so it can
 * never do more than `access` says for the repositories asked about.
 */
export function tokenRoutes(deps: HttpDeps): RouteTable {
  const issue: Handler = (ctx) => {
    const header = ctx.get('Authorization') || undefined;
    let token = ANONYMOUS_TOKEN;
    let holder: ActiveToken | null = null;
    if (header !== undefined) {
      const presented = readToken(header);
      const active = presented === undefined ? undefined : deps.tokens.verify(presented);
      if (presented === undefined || active === undefined)
        throw new UnauthorizedError('invalid credentials');
      token = presented;
      holder = active;
    }
    const granted = (action: ScopeAction, name: string) =>
      holder === null ? action === 'pull' && !deps.authReads : allows(holder.scopes, action, name);
    const access: GrantedAccess[] = [];
    for (const requested of requestedScopes(ctx.query.scope)) {
      const actions = requested.actions.filter((a) => granted(a, requested.name));
      access.push({ type: 'repository', name: requested.name, actions });
    }
    ctx.body = {
      token,
      access_token: token,
      expires_in: 3600,
      issued_at: new Date().toISOString(),
      access,
    };
  };
  return { 'v2.token': { GET: issue } };
}

/** The repository scopes of `scope` query values; other resource types are left out. */
function requestedScopes(
  value: string | string[] | undefined,
): { name: string; actions: ScopeAction[] }[] {
  const out: { name: string; actions: ScopeAction[] }[] = [];
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  for (const scope of values.flatMap((v) => v.split(' '))) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first === -1 || last === first || scope.slice(0, first) !== 'repository') continue;
    const name = scope.slice(first + 1, last);
    const asked = scope.slice(last + 1).split(',');
    const actions = ACTIONS.filter((a) => asked.includes(a) || asked.includes('*'));
    if (name) out.push({ name, actions });
  }
  return out;
}
