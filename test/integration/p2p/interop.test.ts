import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { renderTorrentFile } from '../../../lib/torrent.js';
import { announceOnce } from '../../helpers/announce.js';
import { freePort } from '../../helpers/http-server.js';
import { runProcess } from '../../helpers/process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { expectOnlyFrom } from '../../helpers/transfer-stats.js';
import { within } from '../../helpers/within.js';
import { type RegistryFixture, startRegistryFixture } from './fixture.js';

const MiB = 1024 * 1024;

/** aria2c as a plain BitTorrent client: no DHT, LPD or PEX, stop when complete. */
function aria2cArgs(dir: string, torrentPath: string, port: number): string[] {
  return [
    '--enable-dht=false',
    '--enable-dht6=false',
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--seed-time=0',
    `--listen-port=${port}`,
    '--bt-stop-timeout=60',
    '--summary-interval=0',
    '--console-log-level=warn',
    '--file-allocation=none',
    `--dir=${dir}`,
    torrentPath,
  ];
}

describe('aria2c', () => {
  let registry: RegistryFixture;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    registry = await startRegistryFixture();
    tmp = await tempDir();
  });
  afterAll(async () => {
    await registry.close();
    await tmp.cleanup();
  });

  it('downloads a blob from the seeder via the embedded tracker', async () => {
    const blob = await registry.addBlob(2 * MiB + 5);
    // No url-list: the bytes must come from the seed, not the web seed.
    const torrentPath = join(tmp.dir, 'blob.torrent');
    await writeFile(
      torrentPath,
      renderTorrentFile(blob.info, { announce: [registry.announceUrl], urlList: [] }),
    );
    const out = join(tmp.dir, 'aria2');
    const result = await runProcess('aria2c', aria2cArgs(out, torrentPath, await freePort()), {
      timeoutMs: 60_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await readFile(join(out, 'blob'))).equals(blob.bytes)).toBe(true);
    expect(registry.seeder.stats().uploadedBytes).toBeGreaterThanOrEqual(blob.size);
    expect(registry.blobServer.requests).toEqual([]);
  });
});

describe('opentracker as an external tracker, in whitelist mode', () => {
  let registry: RegistryFixture;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let opentracker: ChildProcess | undefined;
  let announceUrl: string;
  let allowed: Awaited<ReturnType<RegistryFixture['addBlob']>>;
  let refused: Awaited<ReturnType<RegistryFixture['addBlob']>>;

  beforeAll(async () => {
    tmp = await tempDir();
    const port = await freePort();
    announceUrl = `http://127.0.0.1:${port}/announce`;
    registry = await startRegistryFixture({ announce: [announceUrl] });
    allowed = await registry.addBlob(1 * MiB + 1, { announce: [announceUrl] });
    refused = await registry.addBlob(64 * 1024, { announce: [announceUrl] });
    // opentracker's whitelist: one infohash (40 hex characters) per line.
    // opentracker drops root for user nobody before it reads the list: make it readable.
    await chmod(tmp.dir, 0o755);
    await writeFile(join(tmp.dir, 'whitelist'), `${allowed.infoHash}\n`, { mode: 0o644 });
    // -d chroots into the temp dir (opentracker drops root); paths are relative to it.
    const proc = spawn(
      'opentracker',
      ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-w', 'whitelist', '-d', tmp.dir],
      { cwd: tmp.dir, stdio: 'ignore' },
    );
    opentracker = proc;
    // opentracker loads the whitelist in a thread of its own after it starts listening.
    await within(
      10_000,
      'opentracker whitelist loaded',
      waitForAllowed(announceUrl, allowed.infoHash),
    );
  });
  afterAll(async () => {
    opentracker?.kill('SIGTERM');
    await registry.close();
    await tmp.cleanup();
  });

  it('brings a SwarmClient and the seeder together for a whitelisted blob', async () => {
    // An external tracker does not tell the registry about announces: seed up front.
    await registry.seeder.seed({
      digest: allowed.digest,
      path: allowed.path,
      size: allowed.size,
      info: allowed.info,
    });
    const cache = new BlobCache(join(tmp.dir, 'cache'), 100 * MiB);
    const client = new SwarmClient({ cache, stallMs: 60_000, logger: registry.logger });
    try {
      const result = await within(30_000, 'download via opentracker', client.download(allowed));
      expectOnlyFrom(result.stats, 'fromRegistrySeed', allowed.size);
    } finally {
      await client.destroy();
    }
  });

  it('refuses an infohash missing from the whitelist', async () => {
    expect(await announceOnce(announceUrl, refused.infoHash)).toContain('failure reason');
    expect(await announceOnce(announceUrl, allowed.infoHash)).not.toContain('failure reason');
  });
});

async function waitForAllowed(announceUrl: string, infoHash: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const reply = await announceOnce(announceUrl, infoHash);
    if (reply.startsWith('d') && !reply.includes('failure reason')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${announceUrl} never accepted ${infoHash}`);
}
