import { Header, paths } from '../../../lib/api/index.js';
import { sendManifest } from '../../../lib/http/content.js';
import { nameParam } from '../params.js';
import { parseAccept } from '../../../lib/manifest/index.js';
import { emptyResponse, readSmallBody } from '../body.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import { type HttpDeps, MAX_MANIFEST_BYTES } from '../route.js';

/**
 * distribution-spec "Pulling manifests", "Pushing manifests" (a manifest with a `subject`
 * answers OCI-Subject, v1.1), "Deleting manifests".
 */
export function manifestRoutes(deps: HttpDeps): RouteTable {
  const { manifests } = deps;

  const get: Handler = (ctx, m) => {
    const name = nameParam(m);
    const record = manifests.get(name, m.params[1]!, parseAccept(ctx.req.headers.accept));
    sendManifest(ctx, { digest: record.digest, mediaType: record.mediaType, body: record.content });
  };

  const put: Handler = async (ctx, m) => {
    const name = nameParam(m);
    const body = await readSmallBody(ctx, MAX_MANIFEST_BYTES);
    const pushedBy = (ctx.state.tokenName as string | null | undefined) ?? null;
    const { digest, subject } = await manifests.put(
      name,
      m.params[1]!,
      body,
      ctx.get('Content-Type') || undefined,
      pushedBy,
    );
    emptyResponse(ctx, 201);
    ctx.set(Header.location, paths.manifest(name, digest));
    ctx.set(Header.contentDigest, digest);
    if (subject) ctx.set(Header.ociSubject, subject);
  };

  const del: Handler = (ctx, m) => {
    const deletedBy = (ctx.state.tokenName as string | null | undefined) ?? null;
    manifests.delete(nameParam(m), m.params[1]!, deletedBy);
    emptyResponse(ctx, 202);
  };

  return { 'v2.manifest': { GET: get, HEAD: get, PUT: put, DELETE: del } };
}
