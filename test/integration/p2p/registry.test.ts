import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import parseTorrent from 'parse-torrent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { infoHashOf, renderTorrentFile } from '../../../lib/torrent.js';
import { startStandaloneTracker } from '../../../tracker/standalone.js';
import { announceOnce, escapeBytes } from '../../helpers/announce.js';
import { decodeBencode, dictGet, dictKeyBytes } from '../../helpers/bencode.js';
import { freePort } from '../../helpers/http-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { writeBlob } from '../../helpers/test-blob.js';
import { testLogger } from '../../helpers/test-logger.js';
import { expectOnlyFrom } from '../../helpers/transfer-stats.js';
import { within } from '../../helpers/within.js';
import { startTestRegistry, type TestRegistry, uploadBlob } from '../../helpers/registry.js';

const MiB = 1024 * 1024;

/** The real registry: its embedded tracker, its seeder, its blob URL as web seed. */
describe('p2p against the registry', () => {
  let registry: TestRegistry;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let blob: Awaited<ReturnType<typeof writeBlob>>;
  let torrent: Buffer;

  beforeAll(async () => {
    registry = await startTestRegistry();
    tmp = await tempDir();
    blob = await writeBlob(tmp.dir, 3 * MiB + 333);
    expect(await uploadBlob(registry, 'p2p-test/blob', blob)).toBe(201);
    const res = await fetch(`${registry.url}/docket/v1/blobs/${blob.digest}/torrent`);
    expect(res.status).toBe(200);
    torrent = Buffer.from(await res.arrayBuffer());
  });
  afterAll(async () => {
    await registry?.close();
    await tmp?.cleanup();
  });

  const client = (name: string) =>
    new SwarmClient({ cache: new BlobCache(join(tmp.dir, name), 1 << 30), stallMs: 60_000 });

  it('serves a torrent a SwarmClient downloads from the registry seed', async () => {
    const parsed = await parseTorrent(torrent);
    expect(parsed.announce).toEqual([`${registry.url}/announce`]);
    expect(parsed.urlList).toHaveLength(1);
    const swarm = client('a');
    try {
      const result = await within(
        30_000,
        'download via the registry',
        swarm.download({ digest: blob.digest, size: blob.size, torrent }),
      );
      expectOnlyFrom(result.stats, 'fromRegistrySeed', blob.size);
      expect((await readFile(result.path)).equals(blob.bytes)).toBe(true);
    } finally {
      await swarm.destroy();
    }
    // The registry's scrape reply: 20-byte infohash keys.
    const scrape = await fetch(
      `${registry.url}/scrape?info_hash=${escapeBytes(Buffer.from(parsed.infoHash, 'hex'))}`,
    );
    const body = Buffer.from(await scrape.arrayBuffer());
    const keys = dictKeyBytes(dictGet(decodeBencode(body), 'files'), body);
    expect(keys.map((k) => k.length)).toEqual([20]);
    expect(keys[0]?.toString('hex')).toBe(parsed.infoHash);
  });

  it('its blob URL works as a web seed when the tracker is down', async () => {
    const parsed = await parseTorrent(torrent);
    const info = Buffer.from(parsed.infoBuffer as Uint8Array);
    expect(infoHashOf(info)).toBe(parsed.infoHash);
    const dead = `http://127.0.0.1:${await freePort()}/announce`;
    const viaWebSeed = renderTorrentFile(info, { announce: [dead], urlList: parsed.urlList });
    const swarm = client('b');
    try {
      const result = await within(
        30_000,
        'download via the web seed',
        swarm.download({ digest: blob.digest, size: blob.size, torrent: viaWebSeed }),
      );
      expectOnlyFrom(result.stats, 'fromWebSeed', blob.size);
    } finally {
      await swarm.destroy();
    }
  });

  it('feeds a standalone tracker its whitelist', async () => {
    const parsed = await parseTorrent(torrent);
    const tracker = await startStandaloneTracker({
      httpPort: 0,
      host: '127.0.0.1',
      whitelistFrom: registry.url,
      logger: testLogger(),
    });
    try {
      expect(await announceOnce(tracker.httpUrl, parsed.infoHash)).not.toContain('failure');
      expect(await announceOnce(tracker.httpUrl, '77'.repeat(20))).toContain('failure reason');
    } finally {
      await tracker.close();
    }
  });
});
