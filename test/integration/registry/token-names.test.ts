import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryEvent, TagHistory } from '../../../lib/api/index.js';
import { readServerSentEvents } from '../../../agent/sse.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { within } from '../../helpers/within.js';
import { client } from './http.js';

// Security audit finding 11c: in public mode anonymous readers saw token names (who
// pushed) in tag history and on the event stream.
describe('token names are shown to token holders only', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(async () => {
    await reg?.close();
  });

  it('tag history: pushedBy is null to an anonymous reader, the token name to a holder', async () => {
    const api = client(reg);
    await api.pushImage('names/app', 'v1', 'history');
    const read = async (anonymous: boolean) => {
      const res = await api.request('GET', '/docket/v1/images/names/app/v1/history', {
        anonymous,
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as TagHistory).history.map((h) => h.pushedBy);
    };
    expect(await read(true)).toEqual([null]);
    expect(await read(false)).toEqual(['admin']);
  });

  it('event stream: an anonymous subscriber gets no actor, a holder the token name', async () => {
    const api = client(reg);
    const abort = new AbortController();
    const subscribe = async (anonymous: boolean) => {
      const res = await api.request('GET', '/docket/v1/events', {
        anonymous,
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      const events = readServerSentEvents(Readable.fromWeb(res.body as ReadableStream));
      // Wrapped: an async function returning the promise would wait for the event itself.
      return {
        push: (async () => {
          for await (const sse of events) {
            const e = JSON.parse(sse.data) as RegistryEvent;
            if (e.target.repository === 'names/live') return e;
          }
          throw new Error('event stream ended');
        })(),
      };
    };
    const anonymous = await within(5000, 'anonymous subscribe', subscribe(true));
    const holder = await within(5000, 'holder subscribe', subscribe(false));
    try {
      await within(5000, 'push', api.pushImage('names/live', 'v1', 'events'));
      const [seenByAnonymous, seenByHolder] = await within(
        10_000,
        'the push on both streams',
        Promise.all([anonymous.push, holder.push]),
      );
      expect(seenByAnonymous.actor).toEqual({});
      expect(JSON.stringify(seenByAnonymous)).not.toContain('admin');
      expect(seenByHolder.actor).toEqual({ name: 'admin' });
    } finally {
      abort.abort();
    }
  });
});
