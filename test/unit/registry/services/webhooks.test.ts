import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope, RegistryEvent } from '../../../../lib/api/index.js';
import { WebhookSender } from '../../../../registry/services/webhooks.js';

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
