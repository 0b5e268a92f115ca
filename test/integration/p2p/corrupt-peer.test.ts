import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { renderTorrentFile } from '../../../lib/torrent.js';
import { sha256File } from '../../../lib/digest.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { within } from '../../helpers/within.js';
import { useSwarmFixture } from './fixture.js';

const MiB = 1024 * 1024;
/** testbed/corrupt-peer.ts as built by `npm run build`. */
const CORRUPT_PEER = new URL('../../../dist/testbed/corrupt-peer.js', import.meta.url).pathname;

interface LogRecord {
  level: number;
  msg: string;
  digest?: string;
  peer?: string;
}

describe('SwarmClient: a peer that answers piece requests with wrong bytes', () => {
  const fx = useSwarmFixture();

  it('is dropped and refused after 3 bad pieces; the download completes from the other sources, verified', async () => {
    const blob = await fx.registry.addBlob(6 * MiB + 3);
    const tmp = await tempDir();
    let bad: ChildProcess | undefined;
    let victim: SwarmClient | undefined;
    try {
      // Its own process: a peer and its victim in one event loop starve each other's timers.
      const badFile = join(tmp.dir, 'bad-copy');
      const torrentFile = join(tmp.dir, 'blob.torrent');
      await writeFile(badFile, randomBytes(blob.size));
      await writeFile(
        torrentFile,
        renderTorrentFile(blob.info, { announce: [fx.registry.announceUrl], urlList: [] }),
      );
      bad = spawn(process.execPath, [CORRUPT_PEER, torrentFile, badFile], { stdio: 'pipe' });
      let badOut = '';
      bad.stdout?.setEncoding('utf8').on('data', (d: string) => {
        badOut += d;
      });
      await within(15_000, 'the corrupt peer listens', lineOf(bad, /^listening \d+/m));

      const records: LogRecord[] = [];
      const logger = pino(
        { level: 'debug' },
        { write: (s: string) => records.push(JSON.parse(s) as LogRecord) },
      );
      const cache = new BlobCache(join(tmp.dir, 'victim'), 1024 * MiB);
      await cache.init();
      victim = new SwarmClient({ cache, logger, stallMs: 60_000 });
      const { path } = await within(30_000, 'download past a corrupt peer', victim.download(blob));

      expect((await sha256File(path)).digest).toBe(blob.digest);
      expect(
        records.filter((r) => r.msg === 'piece failed verification').length,
      ).toBeGreaterThanOrEqual(3);
      const dropped = records.filter((r) => r.msg === 'dropped a peer that sent bad pieces');
      expect(dropped, JSON.stringify(records.slice(-20))).toHaveLength(1);
      expect(dropped[0]).toMatchObject({ digest: blob.digest });
      // The corrupt peer did send pieces, and saw its connection closed by the victim.
      expect(badOut).toMatch(/^uploaded [1-9]\d*$/m);
      expect(badOut).toMatch(/^closed /m);
    } finally {
      await victim?.destroy();
      bad?.kill('SIGKILL');
      await tmp.cleanup();
    }
  });
});

/** Resolves once `child`'s stdout so far matches `pattern`; rejects if it exits first. */
function lineOf(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer | string) => {
      out += d.toString();
      if (pattern.test(out)) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`corrupt peer exited ${code}`)));
  });
}
