import type Koa from 'koa';
import type { RouteName } from '../../lib/api/index.js';
import { createHttpApp } from '../../lib/http/app.js';
import type { RouteTable } from '../../lib/http/router.js';
import { authenticate, requiresToken } from './auth.js';
import { registryErrors } from './errors.js';
import { observeMiddleware } from './observe.js';
import { signedBlobRequest } from './signed-url.js';
import type { HttpDeps } from './route.js';
import { blobRoutes } from './routes/blobs.js';
import { docketRoutes } from './routes/docket.js';
import { lifecycleRoutes } from './routes/lifecycle.js';
import { eventRoutes } from './routes/events.js';
import { listingRoutes } from './routes/listing.js';
import { manifestRoutes } from './routes/manifests.js';
import { opsRoutes } from './routes/ops.js';
import { referrerRoutes } from './routes/referrers.js';
import { tokenRoutes } from './routes/token.js';
import { uploadRoutes } from './routes/uploads.js';
import { statusRoutes } from './routes/status.js';
import { webRoutes } from './routes/web.js';
import type { RegistryMetrics } from '../metrics.js';

/** Routes any peer may use without a token, whatever --auth-reads says. */
const OPEN_ROUTES: ReadonlySet<RouteName> = new Set([
  'tracker.announce',
  'tracker.scrape',
  'v2.token',
  // The page itself loads without a token; it then asks for one to read the API.
  'web.index',
  'web.file',
]);

/**
 * The registry's Koa app over lib/http: observe (log + metrics) → error envelope → route,
 * authenticated. Writes (anything but GET/HEAD) need a token; reads too with `authReads`.
 */
export function createApp(deps: HttpDeps, metrics: RegistryMetrics): Koa {
  const table = mergeTables([
    listingRoutes(deps),
    blobRoutes(deps),
    uploadRoutes(deps),
    manifestRoutes(deps),
    referrerRoutes(deps),
    docketRoutes(deps),
    lifecycleRoutes(deps),
    eventRoutes(deps),
    opsRoutes(deps),
    tokenRoutes(deps),
    statusRoutes(deps),
    webRoutes(deps),
  ]);
  return createHttpApp({
    routes: table,
    outer: [observeMiddleware(deps.logger, metrics)],
    mappers: [registryErrors(deps.publicUrl)],
    onUnknown: (err, ctx) =>
      deps.logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed'),
    authorize: (ctx, match) => {
      if (OPEN_ROUTES.has(match.route) || signedBlobRequest(ctx, match, deps.signedUrls)) return;
      const required = requiresToken(match.route, ctx.method, deps.authReads);
      ctx.state.tokenName = authenticate(ctx, deps.tokens, required);
    },
  });
}

function mergeTables(tables: RouteTable[]): RouteTable {
  const out: Partial<Record<RouteName, object>> = {};
  for (const t of tables) {
    for (const [route, methods] of Object.entries(t) as [RouteName, object][]) {
      out[route] = { ...out[route], ...methods };
    }
  }
  return out as RouteTable;
}
