import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, RegistryEvent } from '../../../../lib/api/index.js';
import { WebhookSender } from '../../../../registry/services/webhooks.js';
import { startHttp, type TestHttpServer } from '../../../helpers/http-server.js';

const event = (n: number): RegistryEvent => ({
  id: `e${n}`,
  timestamp: new Date(0).toISOString(),
  action: 'push',
  target: { repository: 'team/app', tag: `v${n}` },
  actor: {},
  source: {},
});

/** A fetch whose answers are given in order (true: 200, false: 500, 'throw': refused). */
function scriptedFetch(answers: Array<boolean | 'throw'>) {
  const bodies: EventEnvelope[] = [];
  let calls = 0;
  const waiters: Array<() => void> = [];
  const fn = (async (_url: string, init: RequestInit) => {
    const answer = answers[Math.min(calls, answers.length - 1)];
    calls++;
    for (const w of waiters.splice(0)) w();
    if (answer === 'throw') throw new TypeError('fetch failed');
    if (answer) bodies.push(JSON.parse(init.body as string) as EventEnvelope);
    return new Response(null, { status: answer ? 200 : 500 });
  }) as unknown as typeof fetch;
  return {
    fn,
    bodies,
    calls: () => calls,
    async untilCalls(n: number) {
      for (let i = 0; i < 1000 && calls < n; i++)
        await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

const options = (fetch: typeof globalThis.fetch, extra = {}) => ({
  urls: ['http://receiver.invalid/hook'],
  attempts: 3,
  backoffMs: 1,
  maxQueue: 100,
  timeoutMs: 1000,
  logger: pino({ level: 'silent' }),
  fetch,
  ...extra,
});

describe('WebhookSender', () => {
  it('retries a failing receiver, then delivers the batch once', async () => {
    const f = scriptedFetch(['throw', false, true]);
    const sender = new WebhookSender(options(f.fn));
    sender.enqueue(event(1));
    await f.untilCalls(3);
    await sender.close();
    expect(f.bodies.map((b) => b.events.map((e) => e.id))).toEqual([['e1']]);
    expect(sender.stats()[0]).toMatchObject({ delivered: 1, failedAttempts: 2, dropped: 0 });
  });

  it('drops a batch after the last attempt, and the oldest events past the queue bound', async () => {
    const f = scriptedFetch([false]);
    const sender = new WebhookSender(options(f.fn, { maxQueue: 2 }));
    for (let n = 1; n <= 5; n++) sender.enqueue(event(n));
    await f.untilCalls(6);
    await sender.close();
    const stats = sender.stats()[0]!;
    expect(stats.delivered).toBe(0);
    // e1 is in flight at once; e2..e5 into a queue of 2: e2 and e3 are dropped unsent.
    expect(stats.dropped).toBe(5);
  });
});

// Security audit finding 10: webhooks followed redirects and carried no signature.
describe('WebhookSender against a real receiver', () => {
  const servers: TestHttpServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  /** A receiver that hands each request (headers and body bytes) to `onRequest`, then answers. */
  async function receiver(
    answer: (res: ServerResponse) => void,
  ): Promise<TestHttpServer & { got: Promise<{ headers: IncomingHttpHeaders; body: Buffer }> }> {
    let seen!: (r: { headers: IncomingHttpHeaders; body: Buffer }) => void;
    const got = new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((r) => {
      seen = r;
    });
    const server = await startHttp((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen({ headers: req.headers, body: Buffer.concat(chunks) });
        answer(res);
      });
    });
    servers.push(server);
    return Object.assign(server, { got });
  }

  /** Resolves once the logger has written a line with `msg`. */
  function logWatch(msg: string) {
    const lines: Array<Record<string, unknown>> = [];
    let found!: (line: Record<string, unknown>) => void;
    const logged = new Promise<Record<string, unknown>>((r) => {
      found = r;
    });
    const logger = pino(
      { level: 'warn' },
      {
        write(text: string) {
          const line = JSON.parse(text) as Record<string, unknown>;
          lines.push(line);
          if (line.msg === msg) found(line);
        },
      },
    );
    return { logger, logged, lines };
  }

  it('follows no redirect: a 3xx is a failed attempt, logged with its Location', async () => {
    const elsewhere = await receiver((res) => res.end());
    const hook = await receiver((res) => {
      res.writeHead(307, { location: `${elsewhere.url}/stolen` });
      res.end();
    });
    const log = logWatch('webhook redirected: not followed');
    const sender = new WebhookSender({
      urls: [`${hook.url}/hook`],
      attempts: 1,
      backoffMs: 1,
      maxQueue: 10,
      timeoutMs: 5000,
      logger: log.logger,
    });
    sender.enqueue(event(1));
    // Whichever comes first: the warning, or the events arriving where the redirect pointed.
    const line = await Promise.race([log.logged, elsewhere.got.then(() => undefined)]);
    await sender.close();
    expect(line).toMatchObject({ status: 307, location: `${elsewhere.url}/stolen` });
    expect(hook.requests).toEqual(['POST /hook']);
    expect(elsewhere.requests).toEqual([]);
    expect(sender.stats()[0]).toMatchObject({ delivered: 0, failedAttempts: 1, dropped: 1 });
  });

  it('signs each body with HMAC-SHA256 under the secret (X-Docket-Signature: sha256=<hex>)', async () => {
    const hook = await receiver((res) => res.end());
    const sender = new WebhookSender({
      urls: [`${hook.url}/hook`],
      attempts: 1,
      backoffMs: 1,
      maxQueue: 10,
      timeoutMs: 5000,
      secret: 'shared with the receiver',
      logger: pino({ level: 'silent' }),
    });
    sender.enqueue(event(1));
    const { headers, body } = await hook.got;
    await sender.close();
    const expected = createHmac('sha256', 'shared with the receiver').update(body).digest('hex');
    expect(headers['x-docket-signature']).toBe(`sha256=${expected}`);
    expect((JSON.parse(body.toString()) as EventEnvelope).events.map((e) => e.id)).toEqual(['e1']);
  });

  it('sends no signature without a secret', async () => {
    const hook = await receiver((res) => res.end());
    const sender = new WebhookSender({
      urls: [`${hook.url}/hook`],
      attempts: 1,
      backoffMs: 1,
      maxQueue: 10,
      timeoutMs: 5000,
      logger: pino({ level: 'silent' }),
    });
    sender.enqueue(event(1));
    const { headers } = await hook.got;
    await sender.close();
    expect(headers['x-docket-signature']).toBeUndefined();
  });
});
