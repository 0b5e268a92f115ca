import type { TokenCreateRequest, TokenInfo, WhoAmI } from '../../../lib/api/index.js';
import { formatScope } from '../../../lib/api/scopes.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import { TokenInvalidError } from '../../errors.js';
import { emptyResponse, readSmallBody } from '../body.js';
import type { ActiveToken } from '../../services/tokens.js';
import type { HttpDeps } from '../route.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The tokens API (admin only, auth.ts): `GET /docket/v1/tokens` lists them (never a
 * secret), `POST` creates one (TokenCreateRequest; answers CreatedToken, the secret shown
 * this once), `DELETE /docket/v1/tokens/<name>` revokes, `POST .../<name>/rotate` gives
 * it a new secret (answered once). `GET /docket/v1/whoami` (any token) answers the name and
 * scopes of the token the request carries, for the web page.
 */
export function tokenApiRoutes(deps: HttpDeps): RouteTable {
  const list: Handler = (ctx) => {
    const body: TokenInfo[] = deps.tokens.list();
    ctx.body = body;
  };

  const create: Handler = async (ctx) => {
    const raw = await readSmallBody(ctx, MAX_BODY_BYTES);
    let req: TokenCreateRequest;
    try {
      req = JSON.parse(raw.toString('utf8')) as TokenCreateRequest;
    } catch {
      throw new TokenInvalidError('the body is not JSON');
    }
    if (typeof req !== 'object' || req === null)
      throw new TokenInvalidError('the body is not an object');
    ctx.status = 201;
    ctx.body = deps.tokens.create({
      name: req.name,
      scopes: req.scopes,
      ...(req.expiresInSeconds === undefined ? {} : { expiresInSeconds: req.expiresInSeconds }),
    });
  };

  const revoke: Handler = (ctx, m) => {
    deps.tokens.revoke(m.params[0] ?? '');
    emptyResponse(ctx, 204);
  };

  const rotate: Handler = (ctx, m) => {
    ctx.body = deps.tokens.rotate(m.params[0] ?? '');
  };

  const whoami: Handler = (ctx) => {
    const token = ctx.state.token as ActiveToken;
    const body: WhoAmI = { name: token.name, scopes: token.scopes.map(formatScope) };
    ctx.body = body;
  };

  return {
    'docket.whoami': { GET: whoami },
    'docket.tokens': { GET: list, POST: create },
    'docket.token': { DELETE: revoke },
    'docket.tokenRotate': { POST: rotate },
  };
}
