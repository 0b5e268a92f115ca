import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { DigestMismatchError } from '../../../lib/errors.js';
import { renderTorrentFile } from '../../../lib/torrent.js';
import { freePort } from '../../helpers/http-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { expectOnlyFrom } from '../../helpers/transfer-stats.js';
import { within } from '../../helpers/within.js';
import { startRegistryFixture, useSwarmFixture } from './fixture.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('SwarmClient with the registry seeder', () => {
  const fx = useSwarmFixture();

  it('downloads a blob from the seeder found through the embedded tracker', async () => {
    const blob = await fx.registry.addBlob(3 * MiB + 77);
    const { cache, client } = await fx.newClient('one', 60_000);
    expect(fx.registry.seeder.stats().activeTorrents).toBe(0);
    const progress: number[] = [];
    const result = await within(
      30_000,
      'download from the seeder',
      client.download(blob, { onProgress: (p) => progress.push(p.downloaded) }),
    );
    expectOnlyFrom(result.stats, 'fromRegistrySeed', blob.size);
    expect(result.path).toBe(cache.path(blob.digest));
    expect((await readFile(result.path)).equals(blob.bytes)).toBe(true);
    expect((await cache.torrent(blob.digest))?.equals(blob.torrent)).toBe(true);
    expect(await cache.has(blob.digest)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(fx.registry.announces.get(blob.infoHash)).toBeGreaterThan(0);
    const stats = fx.registry.seeder.stats();
    expect(stats.activeTorrents).toBe(1);
    expect(stats.uploadedBytes).toBeGreaterThanOrEqual(blob.size);
    expect(fx.registry.blobServer.requests).toEqual([]);
  });

  it('falls back to the web seed when the tracker is down', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/announce`;
    const blob = await fx.registry.addBlob(1 * MiB + 3, { announce: [dead] });
    const { client } = await fx.newClient('two', 60_000);
    const result = await within(20_000, 'web seed fallback', client.download(blob));
    expectOnlyFrom(result.stats, 'fromWebSeed', blob.size);
    expect((await readFile(result.path)).equals(blob.bytes)).toBe(true);
    expect(fx.registry.blobServer.requests.some((r) => r.includes(blob.digest))).toBe(true);
  });

  it('uses the web seed alone when no tracker is listed and nothing comes for stallMs', async () => {
    const blob = await fx.registry.addBlob(700 * KiB, { announce: [] });
    const { client } = await fx.newClient('three', 300);
    const result = await within(20_000, 'web seed only', client.download(blob));
    expectOnlyFrom(result.stats, 'fromWebSeed', blob.size);
    expect((await readFile(result.path)).equals(blob.bytes)).toBe(true);
  });

  it('rejects content whose sha256 is not the digest, and keeps nothing', async () => {
    const blob = await fx.registry.addBlob(512 * KiB, { corrupt: true });
    const { cache, client } = await fx.newClient('four', 300);
    const err = await within(20_000, 'corrupt download', client.download(blob)).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(await cache.has(blob.digest)).toBe(false);
    await expect(stat(cache.partialPath(blob.digest))).rejects.toThrow();
  });

  it('resumes an aborted download from the pieces already on disk', async () => {
    const blob = await fx.registry.addBlob(4 * MiB, { announce: [] });
    const { cache, client } = await fx.newClient('five', 1_000);
    const abort = new AbortController();
    const first = await within(
      20_000,
      'aborted download',
      client
        .download(blob, {
          signal: abort.signal,
          onProgress: (p) => {
            if (p.downloaded >= 1 * MiB) abort.abort(new Error('interrupted'));
          },
        })
        .catch((e: unknown) => e),
    );
    expect((first as Error).message).toBe('interrupted');
    expect(await cache.has(blob.digest)).toBe(false);
    expect((await stat(cache.partialPath(blob.digest))).size).toBeGreaterThan(0);
    const second = await within(20_000, 'resumed download', client.download(blob));
    expect(second.stats.fromWebSeed).toBeLessThan(blob.size);
    expect((await readFile(second.path)).equals(blob.bytes)).toBe(true);
  });
});

describe('two SwarmClients', () => {
  it('the second gets the blob from the first', async () => {
    const registry = await startRegistryFixture();
    const tmp = await tempDir();
    const cacheA = new BlobCache(join(tmp.dir, 'a'), 1024 * MiB);
    const cacheB = new BlobCache(join(tmp.dir, 'b'), 1024 * MiB);
    const a = new SwarmClient({ cache: cacheA, stallMs: 60_000, logger: registry.logger });
    const b = new SwarmClient({ cache: cacheB, stallMs: 60_000, logger: registry.logger });
    try {
      const blob = await registry.addBlob(2 * MiB + 11);
      const first = await within(30_000, 'first download', a.download(blob));
      expectOnlyFrom(first.stats, 'fromRegistrySeed', blob.size);
      await a.seed({ digest: blob.digest, size: blob.size, torrent: blob.torrent });
      // Only host A can serve it now.
      await registry.seeder.close();
      const second = await within(30_000, 'second download', b.download(blob));
      expectOnlyFrom(second.stats, 'fromPeers', blob.size);
      expect((await readFile(second.path)).equals(blob.bytes)).toBe(true);
    } finally {
      await a.destroy();
      await b.destroy();
      await registry.close();
      await tmp.cleanup();
    }
  });
});

describe('renderTorrentFile', () => {
  it('is what the fixture serves', async () => {
    const registry = await startRegistryFixture();
    try {
      const blob = await registry.addBlob(10 * KiB);
      const again = renderTorrentFile(blob.info, {
        announce: [registry.announceUrl],
        urlList: [blob.webSeedUrl],
      });
      expect(again.equals(blob.torrent)).toBe(true);
      expect(registry.seeder.torrentFile(blob).equals(blob.torrent)).toBe(true);
    } finally {
      await registry.close();
    }
  });
});
