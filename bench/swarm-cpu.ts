import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createBlobTorrentInfo, renderTorrentFile } from '../lib/torrent.js';
import { startStandaloneTracker } from '../tracker/standalone.js';
import type { PeerMessage } from './swarm-cpu-peer.js';

/**
 * CPU per byte of docket's swarm, on loopback: one seed process and N leecher processes
 * (docket's torrent client and file store, the torrent parameters of lib/torrent.ts, a real
 * bittorrent-tracker), one random blob. Prints wall time, each process's CPU seconds and
 * the leechers' CPU seconds per GB downloaded.
 *   node dist/bench/swarm-cpu.js [--mb 150] [--leechers 3] [--timeout 300] [--cpu-prof]
 * --cpu-prof: every process writes a V8 profile (bench-results/swarm-cpu/CPU.*.<pid>.*) on
 * exit, for `node dist/bench/profile-summary.js`; the pids are printed.
 */

const USAGE =
  'usage: node dist/bench/swarm-cpu.js [--mb 150] [--leechers 3] [--timeout 300] [--cpu-prof] [--prof-dir DIR]';

interface Peer {
  name: string;
  proc: ChildProcess;
  messages: PeerMessage[];
  waiters: (() => void)[];
}

function startPeer(name: string, args: string[], execArgv: string[]): Peer {
  const script = fileURLToPath(new URL('./swarm-cpu-peer.js', import.meta.url));
  const proc = fork(script, args, { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const peer: Peer = { name, proc, messages: [], waiters: [] };
  const wake = () => {
    for (const w of peer.waiters.splice(0)) w();
  };
  proc.on('message', (m: PeerMessage) => {
    peer.messages.push(m);
    wake();
  });
  proc.on('exit', wake);
  return peer;
}

/** The peer's first message of `type`; rejects when it failed, exited or `deadline` passed. */
function nextMessage<T extends PeerMessage['type']>(
  peer: Peer,
  type: T,
  deadline: number,
): Promise<Extract<PeerMessage, { type: T }>> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${peer.name}: no '${type}' in time`)),
      Math.max(0, deadline - Date.now()),
    );
    const check = () => {
      const failed = peer.messages.find((m) => m.type === 'failed');
      const found = peer.messages.find((m) => m.type === type);
      if (found) {
        clearTimeout(timer);
        resolvePromise(found as Extract<PeerMessage, { type: T }>);
      } else if (failed || peer.proc.exitCode !== null || peer.proc.signalCode !== null) {
        clearTimeout(timer);
        const why = failed?.type === 'failed' ? failed.error : 'exited';
        reject(new Error(`${peer.name}: ${why}`));
      } else peer.waiters.push(check);
    };
    check();
  });
}

function exited(peer: Peer, deadline: number): Promise<void> {
  return new Promise((resolvePromise) => {
    const timer = setTimeout(resolvePromise, Math.max(0, deadline - Date.now()));
    const check = () => {
      if (peer.proc.exitCode === null && peer.proc.signalCode === null) peer.waiters.push(check);
      else {
        clearTimeout(timer);
        resolvePromise();
      }
    };
    check();
  });
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (let at = 0; at < bytes; ) {
      const chunk = randomBytes(Math.min(4 << 20, bytes - at));
      await fh.write(chunk, 0, chunk.length, at);
      at += chunk.length;
    }
  } finally {
    await fh.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mb: { type: 'string', default: '150' },
      leechers: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '300' },
      'cpu-prof': { type: 'boolean', default: false },
      'prof-dir': { type: 'string', default: 'bench-results/swarm-cpu' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const mb = Number(values.mb);
  const leechers = Number(values.leechers);
  const timeoutS = Number(values.timeout);
  if (!(mb > 0) || !Number.isInteger(leechers) || leechers < 1 || !(timeoutS > 0)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const bytes = Math.round(mb * 1e6);
  const deadline = Date.now() + timeoutS * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'swarm-cpu-'));
  const peers: Peer[] = [];
  const tracker = await startStandaloneTracker({
    httpPort: 0,
    host: '127.0.0.1',
    statsPage: false,
    announceIntervalMs: 2_000,
    logger: pino({ level: 'silent' }),
  });
  try {
    const blob = join(dir, 'seed', 'blob');
    mkdirSync(join(dir, 'seed'));
    await writeRandomFile(blob, bytes);
    const { info, pieceLength } = await createBlobTorrentInfo(blob, bytes);
    const torrentPath = join(dir, 'blob.torrent');
    writeFileSync(
      torrentPath,
      renderTorrentFile(info, { announce: [tracker.httpUrl], urlList: [] }),
    );
    const profArgs: string[] = [];
    if (values['cpu-prof']) {
      const profDir = resolve(values['prof-dir']);
      mkdirSync(profDir, { recursive: true });
      profArgs.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
      process.stderr.write(`swarm-cpu: profiles go to ${profDir}\n`);
    }
    const seed = startPeer('seed', ['seed', torrentPath, blob], profArgs);
    peers.push(seed);
    await nextMessage(seed, 'ready', deadline);
    const started = Date.now();
    for (let i = 1; i <= leechers; i++)
      peers.push(
        startPeer(`leecher${i}`, ['leech', torrentPath, join(dir, `l${i}`, 'blob')], profArgs),
      );
    const done = await Promise.all(peers.slice(1).map((p) => nextMessage(p, 'done', deadline)));
    const wall = (Date.now() - started) / 1000;
    for (const p of peers) p.proc.send({ type: 'stop' });
    const finals = await Promise.all(peers.map((p) => nextMessage(p, 'final', deadline)));
    if (profArgs.length > 0)
      process.stderr.write(
        `swarm-cpu: ${peers.map((p) => `${p.name} pid ${p.proc.pid}`).join(', ')}\n`,
      );
    const gb = bytes / 1e9;
    const lines = [
      `swarm-cpu: ${mb} MB blob, ${pieceLength / 1024} KiB pieces, 1 seed + ${leechers} leechers on loopback`,
      `wall ${wall.toFixed(2)} s (until the last leecher was done)`,
      `${'process'.padEnd(10)} ${'cpu@done'.padStart(9)} ${'cpu@end'.padStart(8)} ${'upMB'.padStart(7)} ${'s/GB'.padStart(6)} ${'faults'.padStart(8)}`,
    ];
    peers.forEach((p, i) => {
      const atDone = i === 0 ? undefined : done[i - 1]?.cpuSeconds;
      const final = finals[i]!;
      const perGb = i === 0 ? '' : (final.cpuSeconds / gb).toFixed(1);
      lines.push(
        `${p.name.padEnd(10)} ${(atDone?.toFixed(2) ?? '-').padStart(9)} ${final.cpuSeconds.toFixed(2).padStart(8)} ${(final.uploaded / 1e6).toFixed(0).padStart(7)} ${perGb.padStart(6)} ${String(final.minorFaults).padStart(8)}`,
      );
    });
    const leecherCpu = finals.slice(1).reduce((s, f) => s + f.cpuSeconds, 0);
    lines.push(
      `leechers: ${(leecherCpu / leechers).toFixed(2)} CPU s each, ${(leecherCpu / leechers / gb).toFixed(1)} CPU s per GB downloaded (uploads to other leechers included)`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`swarm-cpu: ${(err as Error).message}\n`);
    return 1;
  } finally {
    // A peer exits by itself after 'final' (writing its profile); kill only stragglers.
    await Promise.all(peers.map((p) => exited(p, Date.now() + 10_000)));
    for (const p of peers) if (p.proc.exitCode === null) p.proc.kill();
    await tracker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
