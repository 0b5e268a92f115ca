import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { createBlobTorrentInfo, renderTorrentFile } from '../../../lib/torrent.js';
import { Seeder, type SeedableBlob } from '../../../registry/p2p/seeder.js';
import { createEmbeddedTracker, type EmbeddedTracker } from '../../../tracker/embedded.js';
import { startBlobServer, startHttp, type TestHttpServer } from '../../helpers/http-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { type TestBlob, writeBlob } from '../../helpers/test-blob.js';
import { testLogger } from '../../helpers/test-logger.js';

export interface FixtureBlob extends TestBlob {
  info: Buffer;
  infoHash: string;
  /** The .torrent with our tracker and the web seed URL. */
  torrent: Buffer;
  webSeedUrl: string;
}

/**
 * A registry stand-in on loopback: the embedded tracker mounted on a plain HTTP server
 * (/announce, /scrape), a Range-capable blob server as web seed, and a Seeder that
 * starts seeding when a peer announces.
 */
export interface RegistryFixture {
  dir: string;
  logger: Logger;
  tracker: EmbeddedTracker;
  trackerHost: TestHttpServer;
  announceUrl: string;
  blobServer: TestHttpServer;
  seeder: Seeder;
  /** Announces seen by the tracker, per infohash (peers other than the registry seed). */
  announces: Map<string, number>;
  /**
   * Stores a blob of random bytes. `corrupt`: the stored file loses its last byte's
   * value after the digest was taken (the torrent matches the corrupted file).
   */
  addBlob(size: number, opts?: { announce?: string[]; corrupt?: boolean }): Promise<FixtureBlob>;
  close(): Promise<void>;
}

export async function startRegistryFixture(
  opts: { idleMs?: number; maxActive?: number; announce?: string[] } = {},
): Promise<RegistryFixture> {
  const logger = testLogger();
  const tmp = await tempDir('docket-p2p-registry-');
  const blobs = new Map<string, SeedableBlob>();
  const files = new Map<string, string>();
  const announces = new Map<string, number>();
  let seeder: Seeder | undefined;
  const tracker = createEmbeddedTracker({
    filter: (infoHash) => blobs.has(infoHash),
    onAnnounce: (infoHash) => {
      announces.set(infoHash, (announces.get(infoHash) ?? 0) + 1);
      seeder?.onAnnounce(infoHash);
    },
    announceIntervalMs: 2_000,
    logger,
  });
  const trackerHost = await startHttp((req, res) => {
    res.statusCode = 200;
    tracker.handle(req, res);
  });
  const announceUrl = `${trackerHost.url}/announce`;
  const blobServer = await startBlobServer(files);
  const webSeedUrl = (digest: string) => `${blobServer.url}/blobs/${digest}`;
  seeder = new Seeder({
    findByInfoHash: (infoHash) => blobs.get(infoHash),
    announce: () => opts.announce ?? [announceUrl],
    webSeedUrl,
    idleMs: opts.idleMs,
    maxActive: opts.maxActive,
    logger,
  });
  let count = 0;
  return {
    dir: tmp.dir,
    logger,
    tracker,
    trackerHost,
    announceUrl,
    blobServer,
    seeder,
    announces,
    async addBlob(size, blobOpts = {}) {
      const blob = await writeBlob(tmp.dir, size, `stored-${count++}`);
      if (blobOpts.corrupt) {
        const bytes = await readFile(blob.path);
        bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 0xff;
        await writeFile(blob.path, bytes);
      }
      const { info, infoHash } = await createBlobTorrentInfo(blob.path, blob.size);
      blobs.set(infoHash, { digest: blob.digest, path: blob.path, size: blob.size, info });
      files.set(blob.digest, blob.path);
      const torrent = renderTorrentFile(info, {
        announce: blobOpts.announce ?? [announceUrl],
        urlList: [webSeedUrl(blob.digest)],
      });
      return { ...blob, info, infoHash, torrent, webSeedUrl: webSeedUrl(blob.digest) };
    },
    async close() {
      await seeder?.close();
      await tracker.close();
      await trackerHost.close();
      await blobServer.close();
      await tmp.cleanup();
    },
  };
}

/**
 * Hooks for a describe block of SwarmClient tests: one registry fixture and temp dir for
 * the block, and every client made with `newClient` destroyed after each test.
 */
export function useSwarmFixture(): {
  readonly registry: RegistryFixture;
  newClient(name: string, stallMs: number): Promise<{ cache: BlobCache; client: SwarmClient }>;
} {
  let registry: RegistryFixture | undefined;
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  const clients: SwarmClient[] = [];
  beforeAll(async () => {
    registry = await startRegistryFixture();
    tmp = await tempDir();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
  });
  afterAll(async () => {
    await registry?.close();
    await tmp?.cleanup();
  });
  return {
    get registry(): RegistryFixture {
      if (!registry) throw new Error('useSwarmFixture: used outside a test');
      return registry;
    },
    async newClient(name, stallMs) {
      if (!registry || !tmp) throw new Error('useSwarmFixture: used outside a test');
      const cache = new BlobCache(join(tmp.dir, name), 1024 * 1024 * 1024);
      await cache.init();
      const client = new SwarmClient({ cache, stallMs, logger: registry.logger });
      clients.push(client);
      return { cache, client };
    },
  };
}
