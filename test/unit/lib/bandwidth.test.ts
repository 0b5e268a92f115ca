import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { bandwidthOf, RateLimit, throttled } from '../../../lib/bandwidth.js';
import { createTorrentClient } from '../../../lib/p2p/torrent-client.js';

function source(bytes: number, chunk = 16 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += chunk)
        yield Buffer.alloc(Math.min(chunk, bytes - sent));
    })(),
  );
}

async function drain(body: Readable): Promise<number> {
  let n = 0;
  await pipeline(
    body,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        n += chunk.length;
        done();
      },
    }),
  );
  return n;
}

describe('a cap that is off', () => {
  it('makes no budget', () => {
    expect(bandwidthOf({ maxDownloadRate: 0, maxUploadRate: 0 })).toEqual({});
    expect(bandwidthOf({})).toEqual({});
  });

  it('puts no throttle stream on an HTTP body', () => {
    const body = source(10);
    expect(throttled(body, undefined)).toBe(body);
  });

  it("leaves webtorrent's own throttles disabled", async () => {
    const client = createTorrentClient({ peerIdPrefix: '-DKT' });
    try {
      expect(client.throttleGroups.down.getEnabled()).toBe(false);
      expect(client.throttleGroups.up.getEnabled()).toBe(false);
    } finally {
      await new Promise<void>((done) => client.destroy(() => done()));
    }
  });
});

describe('a cap', () => {
  it('throttles a body to its rate, the budget starting empty', async () => {
    const limit = new RateLimit(200_000);
    const started = performance.now();
    expect(await drain(limit.throttle(source(100_000)))).toBe(100_000);
    // 100 kB at 200 kB/s is 0.5 s; only a lower bound, so a slow machine cannot fail it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(0.5 * 0.8 * 1000);
  });

  it('is one budget for every body that draws from it', async () => {
    const limit = new RateLimit(400_000);
    const started = performance.now();
    const sizes = await Promise.all([
      drain(limit.throttle(source(100_000))),
      drain(throttled(source(100_000), limit)),
    ]);
    expect(sizes).toEqual([100_000, 100_000]);
    // Together 200 kB at 400 kB/s: 0.5 s; two budgets would take 0.25 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(0.5 * 0.8 * 1000);
  });

  it("is the budget of webtorrent's wires too, each client with its own group", async () => {
    const { download, upload } = bandwidthOf({ maxDownloadRate: 1e6, maxUploadRate: 2e6 });
    const a = createTorrentClient({ peerIdPrefix: '-DKT', bandwidth: { download, upload } });
    const b = createTorrentClient({ peerIdPrefix: '-DKT', bandwidth: { download } });
    try {
      expect(a.throttleGroups.down.getEnabled()).toBe(true);
      expect(a.throttleGroups.down.getRate()).toBe(1e6);
      expect(a.throttleGroups.up.getRate()).toBe(2e6);
      expect(a.throttleGroups.down).not.toBe(b.throttleGroups.down);
      expect(a.throttleGroups.down.bucket).toBe(b.throttleGroups.down.bucket);
      expect(b.throttleGroups.up.getEnabled()).toBe(false);
    } finally {
      await Promise.all([a, b].map((c) => new Promise<void>((done) => c.destroy(() => done()))));
    }
  });

  it('passes a source error on, and a destroy back to the source', async () => {
    const limit = new RateLimit(1e6);
    const failing = new Readable({ read() {} });
    const out = limit.throttle(failing);
    failing.destroy(new Error('cut'));
    await expect(drain(out)).rejects.toThrow('cut');

    const endless = new Readable({ read() {} });
    const reader = limit.throttle(endless);
    reader.destroy();
    await new Promise((done) => endless.once('close', done));
    expect(endless.destroyed).toBe(true);
  });

  it('refuses a rate that is not a positive integer', () => {
    expect(() => new RateLimit(0)).toThrow(RangeError);
    expect(() => new RateLimit(1.5)).toThrow(RangeError);
  });
});
