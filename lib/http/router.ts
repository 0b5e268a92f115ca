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
export function router(table: RouteTable, opts: RouterOptions = {}): Middleware {
  return async (ctx) => {
    if (ctx.path === '/v2' || ctx.path.startsWith('/v2/')) ctx.set(Header.apiVersion, API_VERSION);
    const match = matchRoute(ctx.path);
    const methods = match && (table[match.route] as Partial<Record<string, Handler>> | undefined);
    if (!match || !methods) throw new RouteUnknownError(ctx.method, ctx.path);
    ctx.state.route = match.route;
    ctx.state.routeParams = match.params;
    const handler = methods[ctx.method];
    if (!handler) throw new MethodNotAllowedError(ctx.method, ctx.path, Object.keys(methods));
    opts.authorize?.(ctx, match);
    await handler(ctx, match);
  };
}
