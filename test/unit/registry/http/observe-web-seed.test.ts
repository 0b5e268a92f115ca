import { randomBytes } from 'node:crypto';
import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../../lib/digest.js';
import { observeMiddleware } from '../../../../registry/http/observe.js';
import { createMetrics, type RegistryMetrics } from '../../../../registry/metrics.js';

// Security audit finding 4: every GET /docket/v1/blobs/<anything> answered with a body,
// a 401 or a 404 included, added an entry to the web seed byte tally, so anonymous
// requests grew the registry's memory without bound, even with --auth-reads.
describe('the web seed byte tally', () => {
  let server: Server | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  afterEach(async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    running.closeAllConnections();
    await new Promise((resolve) => running.close(resolve));
  });

  const stored = new Set<string>();
  const blob = Buffer.from('a stored blob');
  stored.add(sha256Digest(blob));

  /** A registry-like app: observe, then the docket.blob route (401 without a token, 404 unknown). */
  async function start(metrics: RegistryMetrics): Promise<string> {
    const app = new Koa();
    app.use(observeMiddleware(pino({ level: 'silent' }), metrics));
    app.use((ctx) => {
      const digest = decodeURIComponent(ctx.path.slice('/docket/v1/blobs/'.length));
      ctx.state.route = 'docket.blob';
      ctx.state.routeParams = [digest];
      if (ctx.get('authorization') !== 'Bearer t') {
        ctx.status = 401;
        ctx.body = { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] };
      } else if (!stored.has(digest)) {
        ctx.status = 404;
        ctx.body = { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] };
      } else {
        ctx.body = blob;
      }
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function request(url: string, token?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers = token ? { authorization: `Bearer ${token}` } : {};
      get(url, { agent, headers }, (res) => {
        res.resume();
        // The tally is written when the response closes on the server: wait for that too.
        res.once('end', () => resolve(res.statusCode ?? 0));
      }).once('error', reject);
    });
  }

  async function requests(base: string, n: number, token?: string): Promise<void> {
    for (let done = 0; done < n; done += 50) {
      const batch = Array.from({ length: Math.min(50, n - done) }, () =>
        request(`${base}/docket/v1/blobs/sha256:${randomBytes(32).toString('hex')}`, token),
      );
      await Promise.all(batch);
    }
  }

  it('counts no bytes for 2000 requests for random digests, answered 401 or 404', async () => {
    // No blobStored source: the answer's status alone keeps the random digests out.
    const metrics = createMetrics(new Registry(), { blobsStored: () => stored.size });
    const base = await start(metrics);
    await requests(base, 1000);
    await requests(base, 1000, 't');
    expect(await request(`${base}/docket/v1/blobs/${sha256Digest(blob)}`, 't')).toBe(200);
    // Served responses are tallied on 'close', after the client saw the end: look again.
    await expect.poll(() => metrics.webSeedBytes.snapshot().size, { timeout: 5000 }).toBe(1);
    expect(metrics.webSeedBytes.snapshot().get(sha256Digest(blob))).toBe(blob.length);
  });

  it('forgets a blob the registry no longer stores (swept by gc)', async () => {
    const known = new Set<string>([sha256Digest(blob)]);
    const metrics = createMetrics(new Registry(), {
      blobsStored: () => known.size,
      blobStored: (digest) => known.has(digest),
    });
    metrics.webSeedBytes.add(sha256Digest(blob), 10);
    metrics.webSeedBytes.add(sha256Digest('never stored'), 10);
    expect(metrics.webSeedBytes.size).toBe(1);
    known.clear();
    expect(metrics.webSeedBytes.snapshot().size).toBe(0);
    expect(metrics.webSeedBytes.size).toBe(0);
  });
});
