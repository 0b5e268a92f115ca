import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { within } from '../../helpers/within.js';
import { startRegistryFixture } from './fixture.js';

const MiB = 1024 * 1024;

describe('the registry seed rations its pieces', () => {
  it('sends about one copy of a blob to three peers that download it at once', async () => {
    const registry = await startRegistryFixture();
    const tmp = await tempDir();
    const clients = ['a', 'b', 'c'].map(
      (name) =>
        new SwarmClient({
          cache: new BlobCache(join(tmp.dir, name), 1024 * MiB),
          stallMs: 60_000,
          logger: registry.logger,
        }),
    );
    try {
      const blob = await registry.addBlob(12 * MiB + 5);
      const results = await within(
        60_000,
        'three downloads',
        Promise.all(clients.map((c) => c.download(blob))),
      );
      for (const r of results) expect((await readFile(r.path)).equals(blob.bytes)).toBe(true);
      const fromPeers = results.reduce((sum, r) => sum + r.stats.fromPeers, 0);
      const fromSeed = results.reduce((sum, r) => sum + r.stats.fromRegistrySeed, 0);
      // Unrationed, the seed answers every peer for every piece: up to 3 copies.
      expect(registry.seeder.stats().uploadedBytes).toBeLessThan(1.5 * blob.size);
      expect(fromSeed).toBeLessThan(1.5 * blob.size);
      expect(fromPeers).toBeGreaterThan(blob.size);
      expect(results.every((r) => r.stats.fromWebSeed === 0)).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.destroy()));
      await registry.close();
      await tmp.cleanup();
    }
  });
});
