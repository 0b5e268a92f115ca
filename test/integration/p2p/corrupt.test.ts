import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BlobCache } from '../../../client/p2p/blob-cache.js';
import { DigestMismatchError, PieceVerificationError } from '../../../lib/errors.js';
import { createBlobTorrentInfo, renderTorrentFile } from '../../../lib/torrent.js';
import { Seeder } from '../../../registry/p2p/seeder.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { writeBlob } from '../../helpers/test-blob.js';
import { within } from '../../helpers/within.js';
import { type FixtureBlob, useSwarmFixture } from './fixture.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Flips one byte in the middle of a stored file and moves its mtime: bit rot after commit. */
async function corruptOnDisk(path: string, at = 0.5): Promise<void> {
  const bytes = await readFile(path);
  const i = Math.floor(bytes.length * at);
  bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
  await writeFile(path, bytes);
  const later = new Date(Date.now() + 5_000);
  await utimes(path, later, later);
}

function logCapture() {
  const lines: { level: number; msg: string; digest?: string; path?: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

describe('Seeder: a stored blob that no longer hashes to its digest', () => {
  it('is not seeded, and the failure is logged at error level with digest and path', async () => {
    const tmp = await tempDir();
    const { logger, lines } = logCapture();
    const seeder = new Seeder({
      findByInfoHash: () => undefined,
      announce: () => [],
      webSeedUrl: (d) => `http://127.0.0.1:1/${d}`,
      logger,
    });
    try {
      const good = await writeBlob(tmp.dir, 300 * KiB, 'good');
      const bad = await writeBlob(tmp.dir, 300 * KiB, 'bad');
      await corruptOnDisk(bad.path);
      const seedable = async (b: typeof good) => ({
        digest: b.digest,
        path: b.path,
        size: b.size,
        info: (await createBlobTorrentInfo(b.path, b.size)).info,
      });
      await seeder.seed(await seedable(good));
      expect(seeder.stats().activeTorrents).toBe(1);
      const err = await seeder.seed(await seedable(bad)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect(seeder.stats().activeTorrents).toBe(1);
      const errors = lines.filter((l) => l.level >= 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ digest: bad.digest, path: bad.path });

      // Corrupted while seeded: the next seed() sees the new mtime, re-hashes, stops.
      const goodSeedable = await seedable(good);
      await corruptOnDisk(good.path, 0.1);
      await expect(seeder.seed(goodSeedable)).rejects.toBeInstanceOf(DigestMismatchError);
      expect(seeder.stats().activeTorrents).toBe(0);
      expect(lines.filter((l) => l.level >= 50).map((l) => l.digest)).toEqual([
        bad.digest,
        good.digest,
      ]);
    } finally {
      await seeder.close();
      await tmp.cleanup();
    }
  });
});

describe('SwarmClient: pieces that keep failing their hash check', () => {
  const fx = useSwarmFixture();

  const expectRejected = async (
    cache: BlobCache,
    blob: FixtureBlob,
    download: Promise<unknown>,
  ): Promise<PieceVerificationError> => {
    const err = await within(20_000, 'corrupted download settles', download).catch((e) => e);
    expect(err).toBeInstanceOf(PieceVerificationError);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as Error).message).toMatch(/^digest mismatch: sha256:[0-9a-f]{64}: piece \d+/);
    expect(await cache.has(blob.digest)).toBe(false);
    await expect(stat(cache.partialPath(blob.digest))).rejects.toThrow();
    return err as PieceVerificationError;
  };

  it('rejects when the web seed serves bytes changed after the torrent was made', async () => {
    const blob = await fx.registry.addBlob(2 * MiB + 5);
    await corruptOnDisk(blob.path);
    const { cache, client } = await fx.newClient('webseed', 200);
    const err = await expectRejected(cache, blob, client.download(blob));
    expect(err.digest).toBe(blob.digest);
    expect(err.failures).toBeGreaterThanOrEqual(3);
    // The registry's seeder refused the blob: only the web seed served it.
    expect(fx.registry.seeder.stats().activeTorrents).toBe(0);
    expect(fx.registry.blobServer.requests.some((r) => r.includes(blob.digest))).toBe(true);
  });

  it('rejects when the only peer serves bad pieces (no web seed)', async () => {
    const blob = await fx.registry.addBlob(1 * MiB + 9);
    // The registry's copy is bad too, so its seeder stays out of the swarm.
    await corruptOnDisk(blob.path);
    const torrent = renderTorrentFile(blob.info, {
      announce: [fx.registry.announceUrl],
      urlList: [],
    });
    const bad = await fx.newClient('bad-peer', 60_000);
    const cachedPath = bad.cache.path(blob.digest);
    await mkdir(dirname(cachedPath), { recursive: true });
    await writeFile(cachedPath, await readFile(blob.path));
    await bad.client.seed({ digest: blob.digest, size: blob.size, torrent });
    const { cache, client } = await fx.newClient('victim', 60_000);
    const err = await expectRejected(
      cache,
      blob,
      client.download({ digest: blob.digest, size: blob.size, torrent }),
    );
    expect(err.failures).toBeGreaterThanOrEqual(3);
    expect(bad.client.stats().uploadedBytes).toBeGreaterThan(0);
  });
});
