import type { ServerResponse } from 'node:http';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readServerSentEvents, SSE_LIMITS } from '../../../agent/sse.js';
import { ResponseTooLargeError } from '../../../client/errors.js';
import { startHttp, type TestHttpServer } from '../../helpers/http-server.js';

async function all(body: Readable, limits = SSE_LIMITS) {
  const out = [];
  for await (const e of readServerSentEvents(body, limits)) out.push(e);
  return out;
}

// Security audit finding 6: the agent's event-stream reader held any line whole, so a
// registry (or whatever answers at its URL) could grow the agent's memory without bound.
describe('readServerSentEvents', () => {
  let server: TestHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('reads events split across chunks, CRLF lines and comments', async () => {
    const body = Readable.from([
      ': hello\r\nid: 1\r\nevent: push\r\nda',
      'ta: {"a":1}\r\ndata: x\r\n\r\n',
    ]);
    expect(await all(body)).toEqual([{ id: '1', event: 'push', data: '{"a":1}\nx' }]);
  });

  it('fails on a line longer than the bound, split or whole', async () => {
    const limits = { line: 1000, event: 4000 };
    const split = Readable.from(['data: ', 'x'.repeat(600), 'x'.repeat(600), '\n\n']);
    await expect(all(split, limits)).rejects.toBeInstanceOf(ResponseTooLargeError);
    const whole = Readable.from([`data: ${'x'.repeat(1200)}\n\n`]);
    await expect(all(whole, limits)).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  it('fails on an event whose data lines add up beyond the bound', async () => {
    const limits = { line: 1000, event: 4000 };
    const lines = Array.from({ length: 10 }, () => `data: ${'y'.repeat(900)}\n`);
    await expect(all(Readable.from(lines), limits)).rejects.toMatchObject({
      what: 'event in its event stream',
      limit: 4000,
    });
  });

  it('stops reading a registry that sends one endless line, with a clear error', async () => {
    let sent = 0;
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => {
      hungUp = resolve;
    });
    server = await startHttp((_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      res.write('data: ');
      const pump = () => {
        // At most 64 MiB: far beyond the bound; the reader must hang up long before.
        while (!res.destroyed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.once('close', hungUp);
      pump();
    });
    const body = await new Promise<IncomingMessage>((resolve, reject) =>
      request(`${server?.url}/docket/v1/events`, resolve).once('error', reject).end(),
    );
    const err = await all(body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as Error).message).toBe(
      `the registry sent a line of its event stream larger than ${SSE_LIMITS.line} bytes; refusing to read it`,
    );
    await closed;
    expect(body.destroyed).toBe(true);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});
