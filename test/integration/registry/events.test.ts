import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVENTS_MEDIA_TYPE,
  type EventEnvelope,
  parseRegistryEvent,
  type RegistryEvent,
} from '../../../lib/api/index.js';
import { readServerSentEvents } from '../../../agent/sse.js';
import { freePort, startHttp, type TestHttpServer } from '../../helpers/http-server.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { within } from '../../helpers/within.js';
import { client } from './http.js';

/** A webhook receiver: refuses the first `failFirst` POSTs with 500, then records envelopes. */
async function receiver(failFirst = 0) {
  const received: Array<{ type: string | undefined; body: EventEnvelope }> = [];
  let posts = 0;
  const waiters: Array<() => void> = [];
  const server = await startHttp((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts++;
      if (posts <= failFirst) {
        res.statusCode = 500;
        res.end();
        return;
      }
      received.push({
        type: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString()) as EventEnvelope,
      });
      res.end();
      for (const w of waiters.splice(0)) w();
    });
  });
  const events = () => received.flatMap((r) => r.body.events);
  return {
    server,
    received,
    posts: () => posts,
    events,
    /** Resolves once an event matching `pred` arrived. */
    async waitFor(pred: (e: RegistryEvent) => boolean): Promise<RegistryEvent> {
      for (let i = 0; i < 100; i++) {
        const hit = events().find(pred);
        if (hit) return hit;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      throw new Error('too many envelopes without the event');
    },
  };
}

describe('registry events: server-sent events and webhooks', () => {
  let reg: TestRegistry;
  let ok: Awaited<ReturnType<typeof receiver>>;
  let flaky: Awaited<ReturnType<typeof receiver>>;
  let deadUrl: string;
  const servers: TestHttpServer[] = [];

  beforeAll(async () => {
    ok = await receiver();
    flaky = await receiver(2);
    servers.push(ok.server, flaky.server);
    deadUrl = `http://127.0.0.1:${await freePort()}/hook`;
    reg = await startTestRegistry({
      webhookUrls: [`${ok.server.url}/hook`, `${flaky.server.url}/hook`, deadUrl],
      webhookAttempts: 4,
      webhookBackoffMs: 20,
    });
  });
  afterAll(async () => {
    await reg?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('streams a push and a delete to an SSE subscriber', async () => {
    const api = client(reg);
    const abort = new AbortController();
    const res = await fetch(`${reg.url}/docket/v1/events`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const stream = readServerSentEvents(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
    );
    const { digest } = await api.pushImage('ev/app', 'v1', 'sse');
    const del = await api.request('DELETE', '/v2/ev/app/manifests/v1');
    expect(del.status).toBe(202);
    const seen: RegistryEvent[] = [];
    await within(
      10_000,
      'two events on the stream',
      (async () => {
        for await (const sse of stream) {
          const e = parseRegistryEvent(JSON.parse(sse.data));
          expect(e?.action).toBe(sse.event);
          if (e) seen.push(e);
          if (seen.length === 2) break;
        }
      })(),
    );
    abort.abort();
    expect(seen.map((e) => [e.action, e.target.repository, e.target.tag])).toEqual([
      ['push', 'ev/app', 'v1'],
      ['delete', 'ev/app', 'v1'],
    ]);
    expect(seen[0]!.target.digest).toBe(digest);
  });

  it('POSTs the push as a notification envelope; retries a failing receiver; survives a dead one', async () => {
    const api = client(reg);
    const { digest, manifest } = await api.pushImage('hook/app', 'v2', 'webhook');
    const isPush = (e: RegistryEvent) => e.action === 'push' && e.target.repository === 'hook/app';
    const event = await within(10_000, 'webhook delivery', ok.waitFor(isPush));
    expect(event.target).toMatchObject({
      repository: 'hook/app',
      tag: 'v2',
      digest,
      size: manifest.length,
    });
    expect(event.actor.name).toBeTruthy();
    expect(ok.received[0]!.type).toBe(EVENTS_MEDIA_TYPE);

    await within(10_000, 'delivery after retries', flaky.waitFor(isPush));
    expect(flaky.posts()).toBeGreaterThanOrEqual(3);

    // The dead receiver is being retried meanwhile: the registry still answers and takes pushes.
    const ping = await api.request('GET', '/v2/');
    expect(ping.status).toBe(200);
    await api.pushImage('hook/other', 'v1', 'still healthy');
    await within(
      10_000,
      'later delivery',
      ok.waitFor((e) => e.target.repository === 'hook/other'),
    );
  });
});
