import type { Context, Middleware } from 'koa';
import { API_VERSION, Header } from '../api/headers.js';
import { matchRoute, type RouteMatch, type RouteMethod, type RouteName } from '../api/routes.js';
import { MethodNotAllowedError, RouteUnknownError } from './errors.js';

export type Handler = (ctx: Context, match: RouteMatch) => Promise<void> | void;

/** A server's handlers by route and method: on each route, only methods the contract defines. */
export type RouteTable = { [R in RouteName]?: { [M in RouteMethod<R>]?: Handler } };

export interface RouterOptions {
  /** Called once the handler is known, before it runs; throws to refuse (UnauthorizedError...). */
  authorize?(ctx: Context, match: RouteMatch): void;
}

/**
 * Dispatches each request to its handler in `table` (paths: lib/api/routes.ts) and sets
 * `ctx.state.route` and `ctx.state.routeParams` for the middlewares around it. Throws
 * RouteUnknownError when the table has no route for the path, MethodNotAllowedError when
 * it has one but not with the method. Every answer under /v2, errors included, carries
 * Docker-Distribution-API-Version (distribution-spec "Determining support").
 */
/**
 * The route and handler `table` has for `method` `path` (lib/api/routes.ts); throws
 * RouteUnknownError (no route, or one the table does not serve), MethodNotAllowedError.
 * Pure: the Koa router below and the engine feed's node:http server share it.
 */
export function pickHandler<H>(
  table: { [R in RouteName]?: { [M in RouteMethod<R>]?: H } },
  method: string,
  path: string,
): { handler: H; match: RouteMatch } {
  const match = matchRoute(path);
  const methods = match && (table[match.route] as Partial<Record<string, H>> | undefined);
  if (!match || !methods) throw new RouteUnknownError(method, path);
  const handler = methods[method];
  if (!handler) throw new MethodNotAllowedError(method, path, Object.keys(methods));
  return { handler, match };
}

/** `Docker-Distribution-API-Version` for an answer to `path` (distribution-spec: /v2 only). */
export function apiVersionHeader(path: string): Record<string, string> {
  return path === '/v2' || path.startsWith('/v2/') ? { [Header.apiVersion]: API_VERSION } : {};
}

export function router(table: RouteTable, opts: RouterOptions = {}): Middleware {
  return async (ctx) => {
    ctx.set(apiVersionHeader(ctx.path));
    const { handler, match } = pickHandler(table, ctx.method, ctx.path);
    ctx.state.route = match.route;
    ctx.state.routeParams = match.params;
    opts.authorize?.(ctx, match);
    await handler(ctx, match);
  };
}
