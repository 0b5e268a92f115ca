import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { RegistryMetrics } from '../metrics.js';

/** Tracker requests come every announce interval from every peer: logged at debug only. */
const QUIET_ROUTES = new Set(['tracker.announce', 'tracker.scrape']);

/** One log line and metric samples per request, written when the response finishes. */
export function observeMiddleware(logger: Logger, metrics: RegistryMetrics) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const started = performance.now();
    ctx.res.once('close', () => {
      const route = (ctx.state.route as string | undefined) ?? 'none';
      const status = ctx.res.statusCode;
      const bytes = ctx.method === 'HEAD' ? 0 : Number(ctx.res.getHeader('Content-Length') ?? 0);
      const ms = Math.round((performance.now() - started) * 10) / 10;
      metrics.requests.inc({ route, method: ctx.method, status: String(status) });
      if (bytes > 0) metrics.bytesServed.inc({ route }, bytes);
      const params = ctx.state.routeParams as string[] | undefined;
      // Blob bytes served (200, 206): an error body (401, 404) names no blob the registry has.
      const served = status >= 200 && status < 300 && bytes > 0;
      if (route === 'docket.blob' && served && params?.[0])
        metrics.webSeedBytes.add(params[0], bytes);
      // A direct download is the registry's HTTP bytes too (Content-Length: a cut one sent less).
      if (route === 'v2.blob' && ctx.state.direct === true && served && params?.[1])
        metrics.webSeedBytes.add(params[1], bytes);
      const line = { method: ctx.method, path: ctx.path, status, ms, bytes };
      if (QUIET_ROUTES.has(route)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    await next();
  };
}
