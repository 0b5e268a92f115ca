import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { renderTorrentFile } from '../../../lib/torrent.js';
import { sha256File } from '../../../lib/digest.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { within } from '../../helpers/within.js';
import { type FixtureBlob, useSwarmFixture } from './fixture.js';

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
    const { blob, records, peerOut } = await downloadPastBadPeer(fx, [], 60_000);
    expect(
      records.filter((r) => r.msg === 'piece failed verification').length,
    ).toBeGreaterThanOrEqual(3);
    const dropped = records.filter((r) => r.msg === 'dropped a peer that sent bad pieces');
    expect(dropped, JSON.stringify(records.slice(-20))).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ digest: blob.digest });
    // The corrupt peer did send pieces, and saw its connection closed by the victim.
    expect(peerOut).toMatch(/^uploaded [1-9]\d*$/m);
    expect(peerOut).toMatch(/^closed /m);
  });
});

describe('SwarmClient: a peer that claims every piece and answers no request', () => {
  const fx = useSwarmFixture();

  it('is dropped once it owes blocks for half the stall time, so its blocks come from the other sources', async () => {
    // webtorrent itself gives up on a silent peer after 30 s; a 2 s stall time declares
    // the download stalled long before that unless the silent peer's blocks are freed.
    const { blob, records, peerOut } = await downloadPastBadPeer(fx, ['--silent'], 2_000);
    const dropped = records.filter(
      (r) => r.msg === 'dropped a peer that sent nothing for its requests',
    );
    expect(dropped.length, JSON.stringify(records.slice(-20))).toBeGreaterThanOrEqual(1);
    expect(dropped[0]).toMatchObject({ digest: blob.digest });
    expect(peerOut).toMatch(/^closed /m);
    // Its 'upload' counts every message it sent: handshakes and bitfields, not one block.
    const uploaded = [...peerOut.matchAll(/^uploaded (\d+)$/gm)].map((m) => Number(m[1]));
    expect(Math.max(0, ...uploaded)).toBeLessThan(16 * 1024);
  });
});

/**
 * Downloads a 6 MiB blob of the fixture's registry with a SwarmClient of `stallMs` while a
 * bad peer (testbed/corrupt-peer.ts with `flags`) is in the swarm, and checks its sha256.
 * Returns the client's log records and the bad peer's stdout at the end of the download.
 */
async function downloadPastBadPeer(
  fx: ReturnType<typeof useSwarmFixture>,
  flags: string[],
  stallMs: number,
): Promise<{ blob: FixtureBlob; records: LogRecord[]; peerOut: string }> {
  const blob = await fx.registry.addBlob(6 * MiB + 3);
  const tmp = await tempDir();
  let bad: BadPeer | undefined;
  let victim: SwarmClient | undefined;
  try {
    bad = await startBadPeer(fx, blob, tmp.dir, flags);
    const { logger, records } = recordingLogger();
    const cache = new BlobCache(join(tmp.dir, 'victim'), 1024 * MiB);
    await cache.init();
    victim = new SwarmClient({ cache, logger, stallMs });
    const { path } = await within(30_000, 'download past a bad peer', victim.download(blob));
    expect((await sha256File(path)).digest).toBe(blob.digest);
    return { blob, records, peerOut: bad.out() };
  } finally {
    await victim?.destroy();
    bad?.child.kill('SIGKILL');
    await tmp.cleanup();
  }
}

interface BadPeer {
  child: ChildProcess;
  /** Its stdout so far. */
  out(): string;
}

/**
 * Starts testbed/corrupt-peer.ts on random bytes of the blob's size, announcing to the
 * fixture's tracker; resolves once it listens. Its own process: a peer and its victim in
 * one event loop starve each other's timers.
 */
async function startBadPeer(
  fx: ReturnType<typeof useSwarmFixture>,
  blob: FixtureBlob,
  dir: string,
  flags: string[],
): Promise<BadPeer> {
  const badFile = join(dir, 'bad-copy');
  const torrentFile = join(dir, 'blob.torrent');
  await writeFile(badFile, randomBytes(blob.size));
  await writeFile(
    torrentFile,
    renderTorrentFile(blob.info, { announce: [fx.registry.announceUrl], urlList: [] }),
  );
  const child = spawn(process.execPath, [CORRUPT_PEER, ...flags, torrentFile, badFile], {
    stdio: 'pipe',
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  await within(15_000, 'the bad peer listens', lineOf(child, /^listening \d+/m));
  return { child, out: () => out };
}

/** A debug-level pino logger that keeps every record. */
function recordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => records.push(JSON.parse(s) as LogRecord) },
  );
  return { logger, records };
}

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
    child.once('exit', (code) => reject(new Error(`bad peer exited ${code}`)));
  });
}
