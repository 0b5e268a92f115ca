import { PassThrough } from 'node:stream';
import type { RegistryEvent } from '../../../lib/api/index.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/** A comment line this often keeps idle proxies from closing the stream. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /docket/v1/events`: registry events as server-sent events (WHATWG HTML "Server-sent
 * events"): `id:` the event id, `event:` its action, `data:` the event as JSON (lib/api
 * events.ts). Only events published after the request are sent. An anonymous subscriber
 * (public mode) gets each event without its actor (the pushing token's name).
 */
export function eventRoutes(deps: HttpDeps): RouteTable {
  const stream: Handler = (ctx) => {
    const out = new PassThrough();
    // Token names are for token holders: an anonymous subscriber (public mode) gets no actor.
    const named = typeof ctx.state.tokenName === 'string';
    const send = (e: RegistryEvent) => {
      const shown = named ? e : { ...e, actor: {} };
      out.write(`id: ${e.id}\nevent: ${e.action}\ndata: ${JSON.stringify(shown)}\n\n`);
    };
    const unsubscribe = deps.events.subscribe(send);
    const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
    const stop = () => {
      clearInterval(keepalive);
      unsubscribe();
      out.end();
    };
    ctx.req.once('close', stop);
    ctx.req.socket.setTimeout(0);
    ctx.status = 200;
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.type = 'text/event-stream';
    // Headers go out at once, so a subscriber knows it is listening before any push.
    out.write(': subscribed\n\n');
    ctx.body = out;
  };
  return { 'docket.events': { GET: stream } };
}
