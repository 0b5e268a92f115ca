import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/** Prometheus metrics, and /announce + /scrape handed to the embedded tracker. */
export function opsRoutes(deps: HttpDeps): RouteTable {
  const metrics: Handler = async (ctx) => {
    ctx.type = deps.metricsRegistry.contentType;
    ctx.body = await deps.metricsRegistry.metrics();
  };
  const table: RouteTable = { metrics: { GET: metrics } };
  const tracker = deps.tracker;
  if (tracker) {
    const hand: Handler = (ctx) => {
      ctx.status = 200;
      ctx.respond = false;
      tracker(ctx.req, ctx.res);
    };
    table['tracker.announce'] = { GET: hand };
    table['tracker.scrape'] = { GET: hand };
  }
  return table;
}
