import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobFetcher } from '../../../client/fetch/blob-fetcher.js';
import { createPeer } from '../../../client/p2p/local-peer.js';
import type { Peer } from '../../../client/p2p/peer.js';
import { RegistryClient } from '../../../client/registry-client.js';
import type { RateLimits } from '../../../lib/bandwidth.js';
import type { Digest } from '../../../lib/digest.js';
import { startTestRegistry, type TestRegistry, uploadBlob } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { type TestBlob, writeBlob } from '../../helpers/test-blob.js';
import { within } from '../../helpers/within.js';

const CAP = 2_000_000;
const SIZE = 6_000_000 + 77;
const REPO = 'bandwidth-test/blob';
/**
 * Only a lower bound on the time, never an upper one: a slow machine cannot make a cap
 * look broken. (How close a capped transfer comes to its cap is bench/rate-cap.ts's job.)
 */
const AT_LEAST_MS = (SIZE / CAP) * 0.8 * 1000;

/**
 * Bandwidth caps (lib/bandwidth.ts) on real transfers: the blob fetcher of a host with
 * --max-download-rate, over HTTP (a direct download) and from the registry's seed; and a
 * registry with --max-upload-rate serving an uncapped host both ways.
 */
describe('bandwidth caps', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let blob: TestBlob;
  let open: TestRegistry;
  let capped: TestRegistry;

  beforeAll(async () => {
    tmp = await tempDir();
    blob = await writeBlob(tmp.dir, SIZE);
    [open, capped] = await Promise.all([
      startTestRegistry(),
      startTestRegistry({ maxUploadRate: CAP }),
    ]);
    for (const registry of [open, capped]) expect(await uploadBlob(registry, REPO, blob)).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([open?.close(), capped?.close()]);
    await tmp?.cleanup();
  });

  let caches = 0;
  /** Fetches the blob into a fresh cache; the time it took and where its bytes came from. */
  async function timedFetch(
    registry: TestRegistry,
    direct: boolean,
    rates: Partial<RateLimits> = {},
  ) {
    const peer: Peer = await createPeer({
      cacheDir: join(tmp.dir, `cache-${caches++}`),
      cacheBytes: 1 << 30,
      rates,
    });
    try {
      const fetcher = new BlobFetcher({
        registry: new RegistryClient({ url: registry.url, token: registry.token }),
        peer,
        direct,
      });
      const started = performance.now();
      const fetched = await within(
        60_000,
        'the capped fetch',
        fetcher.fetch({ repository: REPO, digest: blob.digest as Digest, size: SIZE }),
      );
      const ms = performance.now() - started;
      expect((await readFile(fetched.path)).equals(blob.bytes)).toBe(true);
      return { ms, stats: fetched.stats };
    } finally {
      await peer.destroy();
    }
  }

  it('a host capped at 2M takes a direct download (HTTP) no faster than its cap', async () => {
    const { ms, stats } = await timedFetch(open, true, { maxDownloadRate: CAP });
    expect(stats.fromWebSeed).toBe(SIZE);
    expect(ms).toBeGreaterThanOrEqual(AT_LEAST_MS);
  });

  it('a host capped at 2M takes a blob from the swarm no faster than its cap', async () => {
    const { ms, stats } = await timedFetch(open, false, { maxDownloadRate: CAP });
    expect(stats.fromRegistrySeed + stats.fromPeers).toBeGreaterThan(0);
    expect(ms).toBeGreaterThanOrEqual(AT_LEAST_MS);
  });

  it('a registry capped at 2M sends a direct download no faster than its cap', async () => {
    const { ms, stats } = await timedFetch(capped, true);
    expect(stats.fromWebSeed).toBe(SIZE);
    expect(ms).toBeGreaterThanOrEqual(AT_LEAST_MS);
  });

  it('a registry capped at 2M seeds no faster than its cap', async () => {
    const { ms, stats } = await timedFetch(capped, false);
    expect(stats.fromRegistrySeed + stats.fromWebSeed).toBe(SIZE);
    expect(ms).toBeGreaterThanOrEqual(AT_LEAST_MS);
  });
});
