import { Header, paths } from '../../../lib/api/index.js';
import { parseDigest } from '../../../lib/digest.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import { MediaType } from '../../../lib/media-types.js';
import { nextLink, pagination } from '../body.js';
import { nameParam } from '../params.js';
import type { HttpDeps } from '../route.js';

/**
 * distribution-spec v1.1 "Listing Referrers": an image index, 200 even for a subject
 * nothing refers to or that does not exist; a malformed digest is 400 DIGEST_INVALID.
 * `?artifactType=` filters (and says so in OCI-Filters-Applied); `n`/`last` page, the next
 * page's URL in a Link header.
 */
export function referrerRoutes(deps: HttpDeps): RouteTable {
  const list: Handler = (ctx, m) => {
    const name = nameParam(m);
    const subject = parseDigest(m.params[1]!);
    const artifactType =
      typeof ctx.query.artifactType === 'string' && ctx.query.artifactType !== ''
        ? ctx.query.artifactType
        : undefined;
    const { n, last } = pagination(ctx);
    const page = deps.referrers.list(name, subject, {
      ...(artifactType !== undefined ? { artifactType } : {}),
      ...(n !== undefined ? { n } : {}),
      ...(last !== undefined ? { last } : {}),
    });
    const link = nextLink(paths.referrers(name, subject, artifactType), n, page.next);
    if (link) ctx.set('Link', link);
    if (artifactType !== undefined) ctx.set(Header.ociFiltersApplied, 'artifactType');
    ctx.status = 200;
    ctx.body = Buffer.from(JSON.stringify(page.index));
    ctx.type = MediaType.ociIndex;
  };

  return { 'v2.referrers': { GET: list } };
}
