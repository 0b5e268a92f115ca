import { createHash } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import bencode from 'bencode';
import { type BenchImage, removeImage, verifyImage } from '../testbed/bench-image.js';
import { readProgress } from '../client/docker-progress.js';
import { measurePhase, type PhaseResult } from '../testbed/phase.js';
import type { Managed } from '../testbed/processes.js';
import type { PeerHost, Testbed } from '../testbed/testbed.js';
import { withTimeout } from './swarm-distribution.js';

const TRACKER_PORT = 6969;
/** ctorrent's -X hook prints this line when a host has the whole tarball. */
const COMPLETE = 'DOCKET2015-COMPLETE';
/** Piece length of the whole-image torrent (ctorrent's default is 256 KiB). */
const PIECE_LENGTH = 1024 * 1024;

/**
 * The original Docket design (2015) as a baseline: the whole `docker save` tarball is one
 * torrent, seeded by Debian's ctorrent on the origin behind opentracker; every host
 * downloads it with ctorrent (and keeps seeding), then `docker load`s the file. Wall time
 * per host ends when the load is done. Only the download and the load are timed: the
 * save, the torrent and the seeder's start are the push side.
 */
export async function docket2015Swarm(
  tb: Testbed,
  opts: { hosts: PeerHost[]; image: BenchImage; mbit: number; timeoutMs: number; label: string },
): Promise<PhaseResult> {
  const ref = `${opts.image.name}:${opts.image.tag}`;
  const dir = tb.path(`docket2015-${opts.label}`);
  const procs: Managed[] = [];
  try {
    const seed = await prepareOrigin(tb, dir, ref);
    procs.push(...seed.procs);
    const result = await measurePhase(tb, {
      system: 'docket2015',
      hosts: opts.hosts,
      imageBytes: opts.image.bytes,
      mbit: opts.mbit,
      registry: seed.seeder,
      pull: async (host) => {
        const hostDir = tb.path(`h${host.index}`, `docket2015-${opts.label}`);
        const tarball = join(hostDir, 'image.tar');
        const proc = tb.spawn(
          host,
          `ctorrent-${opts.label}-h${host.index}`,
          'ctorrent',
          ctorrentArgs(host.ip, seed.torrentPath, tarball, ['-X', `echo ${COMPLETE}`]),
        );
        procs.push(proc);
        await proc.waitForLine(new RegExp(COMPLETE), opts.timeoutMs);
        await withTimeout(
          loadTarball(host, tarball),
          opts.timeoutMs,
          `docker load on h${host.index}`,
        );
        return { doneAt: Date.now(), pullerCpu: proc.cpuSeconds() };
      },
    });
    if (result.failedHosts === 0)
      await Promise.all(opts.hosts.map((h) => verifyImage(h.engine.docker, ref, opts.image)));
    return result;
  } finally {
    await Promise.all(procs.map((p) => tb.processes.stop(p, 5_000)));
    await Promise.all(opts.hosts.map((h) => removeImage(h.engine.docker, ref)));
  }
}

/** Saves the image, makes its torrent, starts opentracker (whitelist) and the ctorrent seed. */
async function prepareOrigin(
  tb: Testbed,
  dir: string,
  ref: string,
): Promise<{ torrentPath: string; seeder: Managed; procs: Managed[] }> {
  const engine = tb.originEngine;
  if (!engine) throw new Error('docket2015 needs the origin engine');
  const tarball = join(dir, 'image.tar');
  await pipeline(await engine.docker.getImage(ref).get(), createWriteStream(tarball));
  const torrentPath = join(dir, 'image.torrent');
  const announce = `http://${tb.origin.ip}:${TRACKER_PORT}/announce`;
  await tb.exec(
    tb.origin,
    'ctorrent',
    ['-t', '-u', announce, '-l', String(PIECE_LENGTH), '-s', torrentPath, tarball],
    120_000,
  );
  // opentracker as Debian builds it serves only whitelisted infohashes; it drops root for
  // `nobody` and chroots into -d, so the list must be readable and named relative to it.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'whitelist'), `${infoHashOfFile(torrentPath)}\n`, { mode: 0o644 });
  const tracker = tb.spawn(tb.origin, 'opentracker-docket2015', 'opentracker', [
    '-i',
    tb.origin.ip,
    '-p',
    String(TRACKER_PORT),
    '-P',
    String(TRACKER_PORT),
    '-w',
    'whitelist',
    '-d',
    dir,
  ]);
  await tb.waitForHttp(tb.origin, `http://${tb.origin.ip}:${TRACKER_PORT}/stats`, 10_000, tracker);
  // -f: the origin's file is complete (skip the initial hash check, as a registry would).
  const seeder = tb.spawn(
    tb.origin,
    'ctorrent-docket2015-seed',
    'ctorrent',
    ctorrentArgs(tb.origin.ip, torrentPath, tarball, ['-f']),
  );
  await seeder.waitForLine(/Seed for others/, 60_000);
  return { torrentPath, seeder, procs: [seeder, tracker] };
}

/** ctorrent: listen on `ip`, seed for an hour after completion, save to `target`. */
function ctorrentArgs(ip: string, torrent: string, target: string, extra: string[]): string[] {
  return ['-e', '1', '-i', ip, '-p', '6881', '-s', target, ...extra, torrent];
}

/** sha1 of the bencoded `info` dictionary (BEP 3). */
function infoHashOfFile(path: string): string {
  const torrent = bencode.decode(readFileSync(path)) as { info: unknown };
  return createHash('sha1').update(bencode.encode(torrent.info)).digest('hex');
}

async function loadTarball(host: PeerHost, tarball: string): Promise<void> {
  const stream = await host.engine.docker.loadImage(createReadStream(tarball));
  await readProgress(stream, `docker load on h${host.index}`);
}
