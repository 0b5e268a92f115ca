import type { HealthReport, SwarmReport } from '../../../lib/api/index.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/** What the web page polls: the live swarm and the registry's health. */
export function statusRoutes(deps: HttpDeps): RouteTable {
  const swarm: Handler = (ctx) => {
    const body: SwarmReport = deps.swarm.report();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  const health: Handler = (ctx) => {
    const body: HealthReport = deps.health.report();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  return {
    'docket.swarm': { GET: swarm },
    'docket.health': { GET: health },
  };
}
