import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bencode from 'bencode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedAfterPull } from '../../../../client/services/seed-after-pull.js';
import { claimSeeding, runningSeeder } from '../../../../client/services/seeder-handoff.js';
import type { Peer, TorrentBlob } from '../../../../client/p2p/peer.js';
import { incompleteOf, scrapeUrl } from '../../../../client/services/swarm-leechers.js';
import type { Digest } from '../../../../lib/digest.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docket-handoff-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seeder hand-off record', () => {
  it('names the live seeder; release removes it', async () => {
    const release = await claimSeeding(dir, 'docket seed');
    expect(await runningSeeder(dir)).toMatchObject({ pid: process.pid, command: 'docket seed' });
    await release();
    expect(await runningSeeder(dir)).toBeUndefined();
  });

  it('ignores the record of a process that is gone, and a garbled one', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    await claimSeeding(dir, 'docket seed', pid);
    expect(JSON.parse(await readFile(join(dir, 'seeder.json'), 'utf8')).pid).toBe(pid);
    expect(await runningSeeder(dir)).toBeUndefined();
    await writeFile(join(dir, 'seeder.json'), '{not json');
    expect(await runningSeeder(dir)).toBeUndefined();
  });
});

describe('tracker scrape helpers', () => {
  it('turns an announce URL into its scrape URL (BEP 48), or none', () => {
    expect(scrapeUrl('http://r:5000/announce')).toBe('http://r:5000/scrape');
    expect(scrapeUrl('http://r/x/announce.php?k=1')).toBe('http://r/x/scrape.php?k=1');
    expect(scrapeUrl('udp://r:6969/announce')).toBeUndefined();
    expect(scrapeUrl('http://r/a')).toBeUndefined();
  });

  it('sums incomplete over the files of a reply', () => {
    const reply = bencode.encode({
      files: { a: { complete: 2, incomplete: 1 }, b: { complete: 1, incomplete: 2 } },
    });
    expect(incompleteOf(reply)).toBe(3);
    expect(incompleteOf(bencode.encode({ files: {} }))).toBe(0);
  });
});

describe('seedAfterPull', () => {
  const blob: TorrentBlob = {
    digest: `sha256:${'a'.repeat(64)}` as Digest,
    size: 10,
    torrent: Buffer.from('t'),
  };
  const seeded: string[] = [];
  const swarm = {
    seed: async (b: TorrentBlob) => {
      seeded.push(b.digest);
    },
  } as unknown as Peer;
  const run = (counts: number[], extra: { maxMs?: number; blobs?: TorrentBlob[] } = {}) => {
    const lines: string[] = [];
    let asked = 0;
    return seedAfterPull({
      cacheDir: dir,
      peer: swarm,
      blobs: extra.blobs ?? [blob],
      maxMs: extra.maxMs ?? 60_000,
      signal: new AbortController().signal,
      countLeechers: async () => counts[Math.min(asked++, counts.length - 1)] as number,
      pollMs: 1,
      onStatus: (l) => lines.push(l),
    }).then(() => ({ lines, asked }));
  };

  beforeEach(() => {
    seeded.length = 0;
  });

  it('returns at once, saying so, when nobody downloads', async () => {
    const { lines, asked } = await run([0]);
    expect(lines).toEqual([
      'no other host is downloading these blobs: not seeding (`docket seed` keeps seeding)',
    ]);
    expect(asked).toBe(1);
    expect(seeded).toEqual([]);
  });

  it('seeds while peers download, with one status line', async () => {
    const { lines, asked } = await run([2, 1, 0]);
    expect(lines).toEqual([
      'seeding 1 blob while 2 peers still download (at most 60s; Ctrl-C stops)',
    ]);
    expect(asked).toBe(3);
    expect(seeded).toEqual([blob.digest]);
  });

  it('hands seeding to a live seeder of the cache without asking the tracker', async () => {
    const release = await claimSeeding(dir, 'docket seed');
    const { lines, asked } = await run([5]);
    await release();
    expect(lines).toEqual([`seeding handed to docket seed (pid ${process.pid})`]);
    expect(asked).toBe(0);
  });

  it('does nothing with no torrent blobs or --seed-time 0', async () => {
    expect((await run([5], { blobs: [] })).lines).toEqual([]);
    expect((await run([5], { maxMs: 0 })).lines).toEqual([]);
  });
});
