import { createReadStream } from 'node:fs';
import type Koa from 'koa';
import { Header, type RouteMatch } from '../lib/api/index.js';
import { MediaType } from '../lib/media-types.js';
import { parseDigest } from '../lib/digest.js';
import { ErrorCodes } from '../lib/errcode.js';
import { DigestMismatchError, SizeMismatchError, UnauthorizedError } from '../lib/errors.js';
import { createHttpApp } from '../lib/http/app.js';
import { blobHead, sendBlob, sendManifest } from '../lib/http/content.js';
import { hostCheck } from '../lib/http/host-check.js';
import type { ErrorMapper, WireAnswer } from '../lib/http/error-middleware.js';
import type { Handler, RouteTable } from '../lib/http/router.js';
import { parseName } from '../lib/reference.js';
import { NotFoundError, RegistryError, RegistryUnreachableError } from '../client/errors.js';
import type { AgentService } from './agent-service.js';

/**
 * The agent's HTTP app over lib/http: the read side of the OCI distribution API ("Pull",
 * "Content Discovery": `/v2/`, manifests, blobs with Range, tags, referrers) for stock runtimes,
 * without authentication (the agent holds the registry's token), plus `/docket/v1/agent`
 * (status) and `POST /docket/v1/agent/preheat/<name>/<reference>`. Anything else is
 * UNSUPPORTED (404, or 405 on a route it serves); unknown errors go to `onError`, failures
 * of the registry behind it (all but its 404s) to `onUpstreamError` with their answer.
 * Only requests to the agent's own names are served (lib/http/host-check.ts: loopback, the
 * address it was reached on, `allowedHosts`), and none a page of another origin sends:
 * the rest are 403 DENIED, so a web page the host's browser opens can neither read it
 * (DNS rebinding) nor preheat through it.
 */
export function createAgentApp(
  service: AgentService,
  opts: {
    registryUrl: string;
    /** Host names (`name` at the agent's port, or `name:port`) it answers to besides its own. */
    allowedHosts?: readonly string[];
    onError(err: unknown, ctx: Koa.Context): void;
    onUpstreamError?(err: Error, ctx: Koa.Context, answer: WireAnswer): void;
  },
): Koa {
  const name = (m: RouteMatch) => parseName(m.params[0] ?? '');

  const base: Handler = (ctx) => {
    ctx.body = {};
  };

  const manifest: Handler = async (ctx, m) => {
    sendManifest(
      ctx,
      await service.manifest(name(m), m.params[1]!, ctx.get('Accept') || undefined),
    );
  };

  const blob: Handler = async (ctx, m) => {
    const digest = parseDigest(m.params[1] ?? '');
    if (ctx.method === 'HEAD') {
      blobHead(ctx, { digest, size: await service.blobSize(name(m), digest) });
      return;
    }
    const opened = await service.openBlob(name(m), digest);
    let reading = false;
    try {
      await sendBlob(ctx, {
        digest,
        size: opened.size,
        open: (range) => {
          reading = true;
          return createReadStream(opened.path, range).once('close', opened.release);
        },
      });
    } finally {
      if (!reading) opened.release();
    }
  };

  const referrers: Handler = async (ctx, m) => {
    const artifactType =
      typeof ctx.query.artifactType === 'string' ? ctx.query.artifactType : undefined;
    ctx.body = await service.referrers(name(m), parseDigest(m.params[1] ?? ''), artifactType);
    ctx.type = MediaType.ociIndex;
    if (artifactType !== undefined) ctx.set(Header.ociFiltersApplied, 'artifactType');
  };

  const tags: Handler = async (ctx, m) => {
    ctx.body = await service.tags(name(m));
  };

  const status: Handler = async (ctx) => {
    ctx.body = await service.status(opts.registryUrl);
  };

  const preheat: Handler = async (ctx, m) => {
    ctx.body = await service.preheat(name(m), m.params[1]!);
  };

  const routes: RouteTable = {
    'v2.base': { GET: base, HEAD: base },
    'v2.manifest': { GET: manifest, HEAD: manifest },
    'v2.blob': { GET: blob, HEAD: blob },
    'v2.tags': { GET: tags },
    'v2.referrers': { GET: referrers },
    'agent.status': { GET: status },
    'agent.preheat': { POST: preheat },
  };
  const reported: ErrorMapper = (err, ctx) => {
    const answer = upstreamErrors(err, ctx);
    if (answer && !(err instanceof NotFoundError))
      opts.onUpstreamError?.(err as Error, ctx, answer);
    return answer;
  };
  return createHttpApp({
    routes,
    guards: [hostCheck(opts.allowedHosts)],
    mappers: [reported],
    onUnknown: opts.onError,
  });
}

/**
 * What the runtime sees when the registry behind the agent fails it (distribution-spec
 * "Error Codes"): the registry's 404s keep their code (only a blob HEAD comes back without
 * one); an unreachable registry is 503 UNAVAILABLE; content that failed verification is
 * 502 DIGEST_INVALID / SIZE_INVALID (the fault is upstream, and nothing of it was served);
 * credentials the registry refused are 502 DENIED (the runtime has none to offer: they
 * live with the agent); other registry errors keep their code, 5xx as 502.
 */
const upstreamErrors: ErrorMapper = (err) => {
  if (err instanceof NotFoundError) return { status: 404, code: err.code ?? 'BLOB_UNKNOWN' };
  if (err instanceof RegistryUnreachableError) return { status: 503, code: 'UNAVAILABLE' };
  if (err instanceof UnauthorizedError) return { status: 502, code: 'DENIED' };
  if (err instanceof DigestMismatchError) return { status: 502, code: 'DIGEST_INVALID' };
  if (err instanceof SizeMismatchError) return { status: 502, code: 'SIZE_INVALID' };
  if (err instanceof RegistryError) {
    const code = err.code ?? 'UNKNOWN';
    return { status: err.status >= 500 ? 502 : ErrorCodes[code].status, code };
  }
  return undefined;
};
