import { createReadStream } from 'node:fs';
import Koa from 'koa';
import { API_VERSION, Header, matchRoute, type RouteMatch } from '../lib/api/index.js';
import { parseDigest } from '../lib/digest.js';
import { parseName } from '../lib/reference.js';
import type { AgentService } from './agent-service.js';
import { AgentRangeError, AgentRouteError, agentErrorMiddleware } from './wire-errors.js';

type Handler = (ctx: Koa.Context, m: RouteMatch) => Promise<void> | void;

/**
 * The agent's HTTP app: the read side of the OCI distribution API ("Pull", "Content
 * Discovery": `/v2/`, manifests, blobs with Range, tags) for stock runtimes, without
 * authentication (the agent holds the registry's token), plus `/docket/v1/agent` (status)
 * and `POST /docket/v1/agent/preheat/<name>/<reference>`. Anything else is UNSUPPORTED.
 */
export function createAgentApp(
  service: AgentService,
  opts: { registryUrl: string; onError(err: unknown, ctx: Koa.Context): void },
): Koa {
  const name = (m: RouteMatch) => parseName(m.params[0] ?? '');

  const base: Handler = (ctx) => {
    ctx.body = {};
  };

  const manifest: Handler = async (ctx, m) => {
    const fetched = await service.manifest(name(m), m.params[1]!, ctx.get('Accept') || undefined);
    ctx.set(Header.contentDigest, fetched.digest);
    ctx.set('ETag', `"${fetched.digest}"`);
    ctx.type = fetched.mediaType;
    ctx.body = fetched.body;
  };

  const blob: Handler = async (ctx, m) => {
    const digest = parseDigest(m.params[1] ?? '');
    ctx.set(Header.contentDigest, digest);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.type = 'application/octet-stream';
    if (ctx.method === 'HEAD') {
      ctx.length = await service.blobSize(name(m), digest);
      ctx.status = 200;
      return;
    }
    const opened = await service.openBlob(name(m), digest);
    const range = parseRange(ctx.get('Range'), opened.size);
    if (range instanceof AgentRangeError) {
      opened.release();
      throw range;
    }
    const { start, end } = range ?? { start: 0, end: opened.size - 1 };
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${start}-${end}/${opened.size}`);
    }
    const file = createReadStream(opened.path, { start, end });
    file.once('close', opened.release);
    ctx.length = end - start + 1;
    ctx.body = file;
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

  const table: Partial<Record<string, Record<string, Handler>>> = {
    'v2.base': { GET: base, HEAD: base },
    'v2.manifest': { GET: manifest, HEAD: manifest },
    'v2.blob': { GET: blob, HEAD: blob },
    'v2.tags': { GET: tags },
    'agent.status': { GET: status },
    'agent.preheat': { POST: preheat },
  };

  const app = new Koa();
  app.silent = true;
  app.use(agentErrorMiddleware(opts.onError));
  app.use(async (ctx) => {
    ctx.set(Header.apiVersion, API_VERSION);
    const match = matchRoute(ctx.path);
    const methods = match && table[match.route];
    if (!match || !methods) throw new AgentRouteError(404, `${ctx.method} ${ctx.path}: unknown`);
    const handler = methods[ctx.method];
    if (!handler) {
      ctx.set('Allow', Object.keys(methods).join(', '));
      throw new AgentRouteError(405, `${ctx.method} ${ctx.path}: the agent is read-only`);
    }
    await handler(ctx, match);
  });
  return app;
}

/**
 * One `bytes=a-b`, `bytes=a-` or `bytes=-n` range (RFC 9110 §14.1.2); undefined for no
 * header, AgentRangeError when it cannot be satisfied. Several ranges are answered whole.
 */
export function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | AgentRangeError | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.includes(',') ? undefined : new AgentRangeError(size);
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return new AgentRangeError(size);
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return new AgentRangeError(size);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return new AgentRangeError(size);
  return { start, end };
}
