import type { Context } from 'koa';
import { RouteUnknownError } from '../../../lib/http/errors.js';
import type { WebFiles } from '../../services/web-files.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/**
 * The page reads only this origin's API; inline styles are uPlot's and preact's style
 * props.
 */
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The web page: `/` is its index.html, `/web/<file>` its bundle (see services/web-files.ts). */
export function webRoutes(deps: HttpDeps): RouteTable {
  const index: Handler = (ctx) => send(ctx, deps.webFiles, 'index.html');
  const file: Handler = (ctx, m) => send(ctx, deps.webFiles, m.params[0] ?? '');
  return {
    'web.index': { GET: index, HEAD: index },
    'web.file': { GET: file, HEAD: file },
  };
}

async function send(ctx: Context, files: WebFiles, name: string): Promise<void> {
  const file = await files.open(name);
  if (!file) throw new RouteUnknownError(ctx.method, ctx.path);
  ctx.status = 200;
  ctx.type = file.contentType;
  ctx.set('Cache-Control', file.cacheControl);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', CSP);
  if (ctx.method === 'HEAD') file.body.destroy();
  else ctx.body = file.body;
  ctx.length = file.size;
}
