import type { Context } from 'koa';
import { Header, paths } from '../../../lib/api/index.js';
import { parseDigest } from '../../../lib/digest.js';
import type { BlobRecord } from '../../metadata/blobs.js';
import type { UploadOwner } from '../../services/upload-sessions.js';
import { checkDeclaredLength, emptyResponse, hasBody } from '../body.js';
import { nameParam } from '../params.js';
import { parseUploadContentRange, uploadRangeHeader } from '../upload-range.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/** distribution-spec "Pushing blobs": monolithic, chunked, and cross-repository mount. */
export function uploadRoutes(deps: HttpDeps): RouteTable {
  const { uploads, maxUploadBytes } = deps;

  // The repository now holds the blob (uploaded or mounted), as Distribution links it.
  const created = (ctx: Context, name: string, blob: BlobRecord) => {
    deps.blobs.link(name, blob.digest);
    emptyResponse(ctx, 201);
    ctx.set(Header.location, paths.blob(name, blob.digest));
    ctx.set(Header.contentDigest, blob.digest);
  };

  const accepted = (ctx: Context, name: string, id: string, size: number, status = 202) => {
    emptyResponse(ctx, status);
    ctx.set(Header.location, paths.upload(name, id));
    ctx.set(Header.uploadUuid, id);
    ctx.set('Range', uploadRangeHeader(size));
  };

  const start: Handler = async (ctx, m) => {
    const name = nameParam(m);
    const mount = ctx.query.mount;
    if (typeof mount === 'string') {
      const from = typeof ctx.query.from === 'string' ? ctx.query.from : undefined;
      const blob = uploads.mount(parseDigest(mount), from);
      if (blob) return created(ctx, name, blob);
    }
    const digest = ctx.query.digest;
    if (typeof digest === 'string' && mount === undefined) {
      checkDeclaredLength(ctx, maxUploadBytes);
      const size = ctx.request.length;
      return created(ctx, name, await uploads.monolithic(ctx.req, parseDigest(digest), size));
    }
    accepted(ctx, name, await uploads.start(owner(ctx, name)), 0);
  };

  const status: Handler = async (ctx, m) => {
    const name = nameParam(m);
    const id = m.params[1]!;
    accepted(ctx, name, id, await uploads.size(id, owner(ctx, name)), 204);
  };

  const patch: Handler = async (ctx, m) => {
    const name = nameParam(m);
    const id = m.params[1]!;
    checkDeclaredLength(ctx, maxUploadBytes);
    const header = ctx.get('Content-Range');
    const range = header ? parseUploadContentRange(header) : undefined;
    const size = await uploads.append(id, owner(ctx, name), ctx.req, range?.start);
    accepted(ctx, name, id, size);
  };

  const finish: Handler = async (ctx, m) => {
    const name = nameParam(m);
    const id = m.params[1]!;
    const digest = parseDigest(typeof ctx.query.digest === 'string' ? ctx.query.digest : '');
    checkDeclaredLength(ctx, maxUploadBytes);
    const last = hasBody(ctx) ? ctx.req : undefined;
    created(ctx, name, await uploads.finish(id, owner(ctx, name), digest, last));
  };

  const cancel: Handler = async (ctx, m) => {
    await uploads.cancel(m.params[1]!, owner(ctx, nameParam(m)));
    emptyResponse(ctx, 204);
  };

  return {
    'v2.uploads': { POST: start },
    'v2.upload': { GET: status, PATCH: patch, PUT: finish, DELETE: cancel },
  };
}

/** A session answers to the repository in its URL and the token that opened it. */
function owner(ctx: Context, repository: string): UploadOwner {
  return { repository, token: (ctx.state.tokenName as string | null | undefined) ?? null };
}
