import { plural } from '../../lib/format.js';
import { sleepUnlessAborted } from '../../lib/sleep.js';
import { runningSeeder } from './seeder-handoff.js';
import type { Peer, TorrentBlob } from '../p2p/peer.js';

export interface SeedAfterPullOptions {
  cacheDir: string;
  peer: Peer;
  /** The blobs the pull fetched by torrent. */
  blobs: TorrentBlob[];
  /** The most this pull seeds (`--seed-time`); 0: not at all. */
  maxMs: number;
  signal: AbortSignal;
  /** Peers still downloading these blobs (swarm-leechers.ts). */
  countLeechers(torrents: Buffer[]): Promise<number>;
  /** How often the leechers are counted again while seeding. */
  pollMs: number;
  /** Called once, with the one line that says what happens to seeding. */
  onStatus(line: string): void;
}

/**
 * What a pull does about seeding once the image is loaded: leaves it to the host's
 * long-running seeder when one serves the cache (seeder-handoff.ts), else seeds only while
 * other peers of the same swarms still download, at most `maxMs`, and returns at once when
 * nobody does. Resolves early, without error, when `signal` aborts (Ctrl-C stops seeding).
 */
export async function seedAfterPull(o: SeedAfterPullOptions): Promise<void> {
  if (o.maxMs <= 0 || o.blobs.length === 0) return;
  const seeder = await runningSeeder(o.cacheDir);
  if (seeder) {
    o.onStatus(`seeding handed to ${seeder.command} (pid ${seeder.pid})`);
    return;
  }
  const torrents = o.blobs.map((b) => b.torrent);
  const deadline = Date.now() + o.maxMs;
  let leechers = await o.countLeechers(torrents);
  if (leechers === 0) {
    o.onStatus(
      'no other host is downloading these blobs: not seeding (`docket seed` keeps seeding)',
    );
    return;
  }
  for (const blob of o.blobs) await o.peer.seed(blob);
  o.onStatus(
    `seeding ${plural(o.blobs.length, 'blob')} while ${plural(leechers, 'peer')} still ` +
      `${leechers === 1 ? 'downloads' : 'download'} (at most ${Math.round(o.maxMs / 1000)}s; Ctrl-C stops)`,
  );
  while (leechers > 0 && !o.signal.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    await sleepUnlessAborted(Math.min(o.pollMs, left), o.signal);
    if (o.signal.aborted) return;
    leechers = await o.countLeechers(torrents);
  }
}
