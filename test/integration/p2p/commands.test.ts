import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Client from 'bittorrent-tracker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { makePeerId } from '../../../lib/torrent.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { expectOnlyFrom } from '../../helpers/transfer-stats.js';
import { within } from '../../helpers/within.js';
import { runCli } from '../../helpers/run-cli.js';
import { type RegistryFixture, startRegistryFixture } from './fixture.js';

/** Runs the CLI until its stdout matches `ready`; returns the match, the child and its end. */
async function startCli(args: string[], ready: RegExp, env: Record<string, string> = {}) {
  let child: ChildProcess | undefined;
  let seen = '';
  let onReady: (m: RegExpMatchArray) => void = () => {};
  const matched = new Promise<RegExpMatchArray>((resolve) => {
    onReady = resolve;
  });
  const done = runCli(args, {
    env,
    timeoutMs: 60_000,
    onSpawn: (c) => {
      child = c;
      c.stdout?.on('data', (d: string) => {
        seen += d;
        const m = seen.match(ready);
        if (m) onReady(m);
      });
    },
  });
  const match = await within(
    20_000,
    `docket ${args[0]} ready`,
    Promise.race([
      matched,
      done.then((r) => {
        throw new Error(`docket ${args[0]} exited ${r.exitCode}: ${r.stdout}${r.stderr}`);
      }),
    ]),
  );
  return { match, child: child as ChildProcess, done };
}

describe('docket tracker', () => {
  it('serves announces over HTTP and UDP until interrupted', async () => {
    const { match, child, done } = await startCli(
      ['tracker', '--port', '0', '--udp-port', '0', '--host', '127.0.0.1'],
      /tracker: (http:\/\/\S+)\ntracker: (udp:\/\/\S+)\n/,
    );
    const [, httpUrl, udpUrl] = match;
    for (const announce of [httpUrl as string, udpUrl as string]) {
      const client = new Client({
        infoHash: 'ab'.repeat(20),
        peerId: makePeerId('-XX'),
        announce: [announce],
        port: 40100,
      });
      const outcome = new Promise<string>((resolve) => {
        client.once('update', () => resolve('update'));
        client.once('warning', (err: Error) => resolve(err.message));
      });
      client.start();
      expect(await within(10_000, `announce to ${announce}`, outcome)).toBe('update');
      client.destroy();
    }
    child.kill('SIGINT');
    const result = await within(10_000, 'tracker exit', done);
    expect(result.exitCode).toBe(0);
  });
});

describe('docket seed', () => {
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

  it('seeds the blobs of the local cache to another host', async () => {
    const blob = await registry.addBlob(1024 * 1024 + 9);
    const cacheDir = join(tmp.dir, 'seeding-host');
    const first = new SwarmClient({ cache: new BlobCache(cacheDir, 1 << 30), stallMs: 60_000 });
    await within(30_000, 'first download', first.download(blob));
    await first.destroy();
    await registry.seeder.close();

    const { child, done } = await startCli(
      ['seed', '--cache-dir', cacheDir],
      /seeding 1 blob\(s\) on TCP port \d+/,
    );
    const second = new SwarmClient({
      cache: new BlobCache(join(tmp.dir, 'other-host'), 1 << 30),
      stallMs: 60_000,
    });
    try {
      const result = await within(30_000, 'download from docket seed', second.download(blob));
      expectOnlyFrom(result.stats, 'fromPeers', blob.size);
    } finally {
      await second.destroy();
    }
    child.kill('SIGINT');
    const exit = await within(10_000, 'seed exit', done);
    expect(exit.exitCode).toBe(0);
    expect(exit.stdout).toContain(`seeding ${blob.digest}`);
    expect(exit.stdout).toMatch(/uploaded /);
  });
});
