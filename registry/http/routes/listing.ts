import { paths } from '../../../lib/api/index.js';
import { nameParam } from '../params.js';
import { nextLink, pagination } from '../body.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/** API version check, catalog and tag listing (distribution-spec "Listing tags"). */
export function listingRoutes(deps: HttpDeps): RouteTable {
  const base: Handler = (ctx) => {
    ctx.status = 200;
    ctx.body = {};
  };

  const catalog: Handler = (ctx) => {
    const { n, last } = pagination(ctx);
    const page = deps.tags.catalog(n, last);
    const link = nextLink(paths.catalog(), n, page.next);
    if (link) ctx.set('Link', link);
    ctx.body = { repositories: page.items };
  };

  const tags: Handler = (ctx, m) => {
    const name = nameParam(m);
    const { n, last } = pagination(ctx);
    const page = deps.tags.list(name, n, last);
    const link = nextLink(paths.tags(name), n, page.next);
    if (link) ctx.set('Link', link);
    ctx.body = { name, tags: page.items };
  };

  return {
    'v2.base': { GET: base, HEAD: base },
    'v2.catalog': { GET: catalog },
    'v2.tags': { GET: tags },
  };
}
