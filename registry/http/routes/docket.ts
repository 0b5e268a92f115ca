import type { ImageList, ImportResult, InfoHashList, LayerLookup } from '../../../lib/api/index.js';
import { allows } from '../../../lib/api/scopes.js';
import { type Digest, parseDigest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { BlobUnknownError } from '../../errors.js';
import type { ActiveToken } from '../../services/tokens.js';
import { checkDeclaredLength } from '../body.js';
import { digestParam } from '../params.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/**
 * The docket API: tarball import, image listing (`?all=1`: untagged manifests too),
 * torrents, layers by diff_id (a push about to reuse the layer: its gc grace restarts;
 * the answer names a repository to mount it from).
 */
export function docketRoutes(deps: HttpDeps): RouteTable {
  const importImages: Handler = async (ctx) => {
    checkDeclaredLength(ctx, deps.maxUploadBytes);
    const tag = ctx.query.tag;
    const tags = tag === undefined ? [] : Array.isArray(tag) ? tag : [tag];
    const pushedBy = (ctx.state.tokenName as string | null | undefined) ?? null;
    const body: ImportResult = { images: await deps.imports.import(ctx.req, { tags, pushedBy }) };
    ctx.status = 201;
    ctx.body = body;
  };

  const listImages: Handler = async (ctx) => {
    const viewer = (ctx.state.tokenName as string | null | undefined) ?? null;
    const body: ImageList = { images: await deps.images.list(viewer) };
    if (isTrue(ctx.query.all)) body.untagged = await deps.images.untagged(viewer);
    ctx.body = body;
  };

  const torrent: Handler = (ctx, m) => {
    const viewer = (ctx.state.tokenName as string | null | undefined) ?? null;
    const { blob, torrent } = deps.torrents.torrentFile(digestParam(m.params[0]), viewer);
    deps.seed(blob);
    ctx.status = 200;
    ctx.type = 'application/x-bittorrent';
    ctx.body = torrent;
  };

  const layer: Handler = (ctx, m) => {
    const diffId = parseDigest(m.params[0] ?? '');
    const blob = deps.blobs.findByDiffId(diffId);
    // A blob the token may not read (app.ts) is not offered for reuse either.
    const readable = ctx.state.readsBlob as ((digest: Digest) => boolean) | undefined;
    if (!blob || (readable && !readable(blob.digest))) throw new BlobUnknownError(diffId);
    deps.blobs.touch(blob.digest);
    // From the bytes, never from the blob's recorded media type (whoever named it first
    // chose that one): the registry computed the diff_id, so a blob whose digest is not
    // its diff_id is the gzip it gunzipped (diff-id.ts), and one whose digest is, the tar.
    const mediaType = blob.digest === diffId ? MediaType.dockerLayer : MediaType.dockerLayerGzip;
    const token = ctx.state.token as ActiveToken | null | undefined;
    const from = token
      ? deps.blobs.holders(blob.digest).find((name) => allows(token.scopes, 'pull', name))
      : undefined;
    const body: LayerLookup = {
      digest: blob.digest,
      size: blob.size,
      mediaType,
      ...(from ? { repository: from } : {}),
    };
    ctx.body = body;
  };

  const infoHashes: Handler = (ctx) => {
    const body: InfoHashList = { infoHashes: deps.blobs.infoHashes() };
    ctx.body = body;
  };

  return {
    'docket.infohashes': { GET: infoHashes },
    'docket.images': { GET: listImages, POST: importImages },
    'docket.torrent': { GET: torrent },
    'docket.layer': { GET: layer },
  };
}

function isTrue(value: string | string[] | undefined): boolean {
  return value === '1' || value === 'true';
}
