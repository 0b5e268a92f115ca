import Koa, { type Middleware } from 'koa';
import { type ErrorMiddlewareOptions, errorMiddleware } from './error-middleware.js';
import { type RouteTable, type RouterOptions, router } from './router.js';

export interface HttpAppOptions extends ErrorMiddlewareOptions, RouterOptions {
  routes: RouteTable;
  /** Middlewares around the error middleware, outermost first: they see the final answer. */
  outer?: readonly Middleware[];
  /** Middlewares between the error middleware and the router: their errors are answered too. */
  guards?: readonly Middleware[];
}

/** A Koa app of `outer` → the error middleware → `guards` → the router over `routes`. */
export function createHttpApp(opts: HttpAppOptions): Koa {
  const app = new Koa();
  // Errors are answered (and reported) by the error middleware; Koa's own log would repeat them.
  app.silent = true;
  for (const middleware of opts.outer ?? []) app.use(middleware);
  app.use(errorMiddleware(opts));
  for (const middleware of opts.guards ?? []) app.use(middleware);
  app.use(router(opts.routes, opts));
  return app;
}
