import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseTooLargeError } from '../../../client/errors.js';
import { RegistryClient, RESPONSE_LIMITS } from '../../../client/registry-client.js';
import { startHttp, type TestHttpServer } from '../../helpers/http-server.js';

// Security audit finding 6: against a registry sending 300 MB bodies, `docket history`,
// `docket images --all` and `docket gc` read them whole (RangeError at 1.2-1.4 GB).
let server: TestHttpServer | undefined;
afterEach(() => server?.close());

/**
 * A JSON body that never ends, without Content-Length: 1 MiB chunks as the socket drains,
 * until the client hangs up or `most` bytes went out. Resolves with the bytes sent.
 */
function endless(res: ServerResponse, most: number): Promise<number> {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  return new Promise((resolve) => {
    res.once('close', () => resolve(sent));
    const pump = () => {
      while (sent < most && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(sent === chunk.length ? Buffer.from('{"history":[') : chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
}

async function registrySending(
  most: number,
): Promise<{ client: RegistryClient; sent: Promise<number> }> {
  let sent!: Promise<number>;
  server = await startHttp((_req, res) => {
    sent = endless(res, most);
  });
  const client = new RegistryClient({ url: server.url });
  return {
    client,
    get sent() {
      return sent;
    },
  };
}

describe('RegistryClient: answers read within RESPONSE_LIMITS', () => {
  const cases: Array<{
    what: string;
    limit: number;
    call(c: RegistryClient): Promise<unknown>;
  }> = [
    {
      what: 'tag history',
      limit: RESPONSE_LIMITS.history,
      call: (c) => c.tagHistory('team/app', 'v1'),
    },
    { what: 'image list', limit: RESPONSE_LIMITS.imageList, call: (c) => c.listAllImages() },
    {
      what: 'gc result',
      limit: RESPONSE_LIMITS.gcResult,
      call: (c) => c.collectGarbage({ dryRun: true }),
    },
    {
      what: 'rollback result',
      limit: RESPONSE_LIMITS.rollback,
      call: (c) => c.rollback('team/app', 'v1', { steps: 1 }),
    },
  ];

  for (const { what, limit, call } of cases)
    it(`refuses a ${what} beyond ${limit} bytes, and stops reading it`, async () => {
      // Far beyond the bound, far below what would hurt if it were read whole.
      const most = limit + 32 * 1024 * 1024;
      const registry = await registrySending(most);
      const err = await call(registry.client).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResponseTooLargeError);
      expect(err).toMatchObject({ what, limit });
      expect((err as Error).message).toBe(
        `the registry sent a ${what} larger than ${limit} bytes; refusing to read it`,
      );
      // The client hung up: the registry did not get to send all it meant to.
      expect(await registry.sent).toBeLessThan(most);
    });
});
