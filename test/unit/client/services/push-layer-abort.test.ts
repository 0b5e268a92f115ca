import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../../client/errors.js';
import { RegistryClient } from '../../../../client/registry-client.js';
import { sendLayer } from '../../../../client/services/push-layer.js';
import { sha256Digest } from '../../../../lib/digest.js';
import { startHttp, type TestHttpServer } from '../../../helpers/http-server.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { within } from '../../../helpers/within.js';

/**
 * Ctrl-C during an upload to a registry that takes the bytes and never answers: the
 * upload must be cut at once (the request destroyed, so the registry commits nothing),
 * not run to its end or hang.
 */
describe('sendLayer with an abort signal', () => {
  let server: TestHttpServer | undefined;
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await server?.close();
    await tmp?.cleanup();
  });

  it('cuts the upload once the signal aborts and rejects with its reason', async () => {
    tmp = await tempDir('docket-push-layer-');
    // Incompressible, so it is sent as it is (no gzip step), and larger than socket buffers.
    const bytes = randomBytes(8 * 1024 * 1024);
    const path = join(tmp.dir, 'layer.tar');
    await writeFile(path, bytes);
    let bodyBytes = 0;
    let put: { resume(): void } | undefined;
    let onBody!: () => void;
    const bodyStarted = new Promise<void>((resolve) => {
      onBody = resolve;
    });
    let onCut!: () => void;
    const cut = new Promise<void>((resolve) => {
      onCut = resolve;
    });
    server = await startHttp((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(404).end();
        return;
      }
      if (req.method === 'POST') {
        res.writeHead(202, { location: '/v2/app/blobs/uploads/1' }).end();
        return;
      }
      // PUT: read a little, then stall (a paused socket reads nothing, so it sees the cut
      // only once resumed); the registry never answers.
      put = req;
      req.once('data', () => {
        req.pause();
        onBody();
      });
      req.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
      });
      req.socket.once('close', () => {
        if (!req.complete) onCut();
      });
    });
    const registry = new RegistryClient({ url: server.url, token: 't' });
    const stop = new AbortController();
    const layer = { path, digest: sha256Digest(bytes), size: bytes.length, compressed: true };
    const sending = sendLayer(registry, 'app', layer, () => {}, stop.signal);
    sending.catch(() => {});
    await within(10_000, 'the upload body reaches the registry', bodyStarted);
    expect(bodyBytes).toBeGreaterThan(0);
    stop.abort(new InterruptedError());
    await expect(within(2_000, 'the push stops', sending)).rejects.toBeInstanceOf(InterruptedError);
    put?.resume();
    await within(2_000, 'the registry sees the upload cut', cut);
    expect(bodyBytes).toBeLessThan(bytes.length);
  });

  it('sends nothing once the signal has aborted', async () => {
    tmp = await tempDir('docket-push-layer-');
    const path = join(tmp.dir, 'layer.tar');
    await writeFile(path, 'x');
    server = await startHttp((_req, res) => res.writeHead(500).end());
    const registry = new RegistryClient({ url: server.url, token: 't' });
    const stop = new AbortController();
    stop.abort(new InterruptedError());
    const layer = { path, digest: sha256Digest(Buffer.from('x')), size: 1, compressed: true };
    await expect(sendLayer(registry, 'app', layer, () => {}, stop.signal)).rejects.toBeInstanceOf(
      InterruptedError,
    );
    expect(server.requests).toEqual([]);
  });
});
