import type { Context } from 'koa';
import { Header } from '../../../lib/api/index.js';
import { type RateLimit, throttled } from '../../../lib/bandwidth.js';
import type { Digest } from '../../../lib/digest.js';
import { sendBlob } from '../../../lib/http/content.js';
import { BlobUnknownError, DirectDeniedError } from '../../errors.js';
import type { BlobService } from '../../services/blobs.js';
import type { DirectGate } from '../../services/direct-gate.js';
import { emptyResponse } from '../body.js';
import { digestParam, nameParam } from '../params.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/**
 * Blob bytes with Range support (RFC 9110 §14): GET/HEAD /v2/<name>/blobs/<digest>
 * (distribution-spec "Pulling blobs") and GET /docket/v1/blobs/<digest>, the BEP 19
 * web seed URL, which must answer Range requests with 206. Under /v2/<name>/ a blob
 * `<name>` does not hold is unknown (404 BLOB_UNKNOWN, as Distribution answers for a blob
 * not linked to the repository), whoever asks: a HEAD is how a push learns it need not
 * upload a blob, and a manifest PUT accepts only blobs its repository holds. That HEAD
 * restarts the blob's gc grace period. DELETE of a blob (distribution-spec "Deleting
 * blobs"): 202 when no stored manifest names it, else 405.
 */
export function blobRoutes(deps: HttpDeps): RouteTable {
  const v2: Handler = async (ctx, m) => {
    const name = nameParam(m);
    const digest = digestParam(m.params[1]);
    if (!deps.blobs.heldBy(name, digest)) throw new BlobUnknownError(digest);
    if (ctx.method === 'GET' && ctx.get(Header.direct) === '1' && deps.direct) {
      await sendDirect(ctx, deps.blobs, deps.direct, digest, deps.egress);
      return;
    }
    await sendStoredBlob(ctx, deps.blobs, digest, deps.egress);
    if (ctx.method === 'HEAD') deps.blobs.touch(digest);
  };
  const del: Handler = async (ctx, m) => {
    nameParam(m);
    await deps.gc.deleteBlob(digestParam(m.params[1]));
    emptyResponse(ctx, 202);
  };
  const docket: Handler = (ctx, m) =>
    sendStoredBlob(ctx, deps.blobs, digestParam(m.params[0]), deps.egress);
  return {
    'v2.blob': { GET: v2, HEAD: v2, DELETE: del },
    'docket.blob': { GET: docket, HEAD: docket },
  };
}

/**
 * A direct download (Header.direct): the whole blob over HTTP when the gate grants it, else
 * 409 DIRECT_DENIED. When another host starts on the blob mid-transfer the connection is
 * closed before the last byte: the client keeps what it has and takes the swarm.
 */
async function sendDirect(
  ctx: Context,
  blobs: BlobService,
  gate: DirectGate,
  digest: Digest,
  egress: RateLimit | undefined,
): Promise<void> {
  const blob = blobs.get(digest);
  // Opened before the gate is asked: between admit and the abort listener there must be no
  // await, or a cut arriving meanwhile (another host asks, or announces a download) is
  // lost and the blob goes out whole to a host that should have taken the swarm.
  const body = await blobs.open(digest);
  const transfer = gate.admit(blob.infoHash, ctx.ip);
  if (!transfer) {
    body.destroy();
    throw new DirectDeniedError(digest);
  }
  ctx.res.once('close', () => transfer.end());
  transfer.signal.addEventListener(
    'abort',
    () => {
      body.destroy();
      ctx.res.destroy();
    },
    { once: true },
  );
  ctx.state.direct = true;
  ctx.set(Header.contentDigest, digest);
  ctx.type = 'application/octet-stream';
  ctx.status = 200;
  ctx.body = throttled(body, egress);
  ctx.length = blob.size;
}

/** The blob's bytes within `egress`, the budget the seeder's uploads share (none: no cap). */
function sendStoredBlob(
  ctx: Context,
  blobs: BlobService,
  digest: Digest,
  egress: RateLimit | undefined,
): Promise<void> {
  const { size } = blobs.get(digest);
  return sendBlob(ctx, {
    digest,
    size,
    open: async (range) => throttled(await blobs.open(digest, range), egress),
  });
}
