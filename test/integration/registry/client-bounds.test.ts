import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseTooLargeError } from '../../../client/errors.js';
import { ExitCode } from '../../../cli/exit-codes.js';
import { RegistryClient, RESPONSE_LIMITS } from '../../../client/registry-client.js';
import { MediaType } from '../../../lib/media-types.js';
import { startHttp, type TestHttpServer } from '../../helpers/http-server.js';
import { runCli } from '../../helpers/run-cli.js';

const MiB = 1024 * 1024;

/** Writes `size` bytes of a JSON-looking body in 64 KiB chunks, with or without Content-Length. */
function sendLarge(res: ServerResponse, size: number, declare: boolean): void {
  res.setHeader('Content-Type', MediaType.ociManifest);
  if (declare) res.setHeader('Content-Length', size);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = size;
  const write = (): void => {
    while (left > 0) {
      const part = chunk.subarray(0, Math.min(chunk.length, left));
      left -= part.length;
      if (!res.write(part)) {
        res.once('drain', write);
        return;
      }
    }
    res.end();
  };
  write();
}

/**
 * Issue #11 finding 6 (client side): a registry, or whatever answers at its URL, cannot make
 * the client hold an answer of any size in memory.
 */
describe('client response bounds', () => {
  let server: TestHttpServer;
  beforeAll(async () => {
    server = await startHttp((req, res) => {
      const url = req.url ?? '';
      if (url === '/v2/') return void res.end('{}');
      if (url.endsWith('/manifests/chunked')) return sendLarge(res, 5 * MiB, false);
      if (url.endsWith('/manifests/declared')) return sendLarge(res, 5 * MiB, true);
      if (url.endsWith('/manifests/fits')) return sendLarge(res, MiB, false);
      if (url.endsWith('/manifests/error')) {
        res.statusCode = 500;
        return sendLarge(res, 5 * MiB, false);
      }
      res.statusCode = 404;
      res.end();
    });
  });
  afterAll(() => server?.close());

  it('refuses a manifest larger than 4 MiB, declared or not', async () => {
    const registry = new RegistryClient({ url: server.url });
    for (const ref of ['chunked', 'declared']) {
      const err = await registry.getManifest('reg/app', ref).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResponseTooLargeError);
      expect((err as ResponseTooLargeError).limit).toBe(RESPONSE_LIMITS.manifest);
    }
    const fits = await registry.getManifest('reg/app', 'fits');
    expect(fits.body.length).toBe(MiB);
  });

  it('reads no more than a bounded error body', async () => {
    const registry = new RegistryClient({ url: server.url });
    const err = await registry.getManifest('reg/app', 'error').catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(500);
  });

  it('docket pull says so and exits with the registry error code', async () => {
    const result = await runCli(['pull', `${new URL(server.url).host}/reg/app:chunked`], {
      timeoutMs: 60_000,
    });
    expect(result.exitCode, result.stderr).toBe(ExitCode.registry);
    expect(result.stderr).toContain('manifest larger than 4194304 bytes');
  });
});
