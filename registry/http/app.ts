import type Koa from 'koa';
import type { RouteName } from '../../lib/api/index.js';
import { createHttpApp } from '../../lib/http/app.js';
import type { RouteTable } from '../../lib/http/router.js';
import type { Context } from 'koa';
import { allows, readsBlob } from '../../lib/api/scopes.js';
import type { Digest } from '../../lib/digest.js';
import type { BlobService } from '../services/blobs.js';
import type { ActiveToken } from '../services/tokens.js';
import {
  accessFor,
  authenticate,
  authorizeAccess,
  authorizeBlobRead,
  blobReadOf,
  requiresToken,
} from './auth.js';
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
import { tokenApiRoutes } from './routes/tokens.js';
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
    tokenApiRoutes(deps),
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
      const access = accessFor(match, ctx.method);
      // The challenge of a 401 names the scope (errors.ts authChallenge).
      ctx.state.access = access;
      const token = authenticate(ctx, deps.tokens, required);
      ctx.state.authenticated = token !== null;
      authorizeAccess(token, access, !required);
      // Where reads are open to anonymous requests (public mode) every blob is too.
      const scoped = deps.authReads && token !== null;
      const blobRead = scoped ? blobReadOf(match, ctx.method) : undefined;
      if (blobRead && token)
        authorizeBlobRead(token, blobRead, deps.blobs.holders(blobRead.digest as Digest));
      if (match.route === 'v2.uploads') mountOnlyFromPullable(ctx, token, deps.blobs, scoped);
      // Blobs found by other keys than their digest (layers by diff_id) are checked alike.
      ctx.state.readsBlob = (digest: Digest) =>
        !scoped || !token || readsBlob(token.scopes, deps.blobs.holders(digest));
      ctx.state.token = token;
      ctx.state.tokenName = token?.name ?? null;
      // Revoked, rotated or expired while the request runs (an event stream, a long blob
      // download): the connection is cut (services/tokens.ts says how soon).
      if (token)
        ctx.res.once(
          'close',
          deps.tokens.watch(token, () => ctx.res.destroy()),
        );
    },
  });
}

/**
 * A cross-repository mount (`POST .../blobs/uploads/?mount=<digest>&from=<repository>`,
 * distribution-spec "Mounting a blob from another repository") only from a repository the
 * token may pull and, where reads need a token (`scoped`), that holds the blob (unless the
 * token reads every repository); otherwise, as in Distribution, an ordinary upload session
 * is opened.
 */
function mountOnlyFromPullable(
  ctx: Context,
  token: ActiveToken | null,
  blobs: BlobService,
  scoped: boolean,
): void {
  const { mount, from, ...rest } = ctx.query;
  if (mount === undefined) return;
  if (typeof from === 'string' && token && allows(token.scopes, 'pull', from)) {
    if (!scoped || typeof mount !== 'string') return;
    const holders = blobs.holders(mount as Digest).filter((h) => h === from);
    if (readsBlob(token.scopes, holders)) return;
  }
  ctx.query = rest;
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
