import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { closedPort, jsonSummary, layerFileSha, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();
/** Over 1 MiB, so the pull fetches it as a torrent, not in one HTTP request. */
const LAYER = { file: 'private.bin', size: 2_000_000, seed: 'cli-private-layer' };
const IMAGE = 'cli-private/app:v1';

/**
 * `docket pull` from a registry started with --auth-reads: through the passkey swarm, and
 * through the signed web seed URL when no tracker answers.
 */
describe('docket pull from a private registry (--auth-reads)', () => {
  const registries: TestRegistry[] = [];
  const created: string[] = [IMAGE];

  beforeAll(async () => {
    await buildTestImage(docker, IMAGE, [LAYER]);
  });
  afterAll(async () => {
    await removeImages(docker, created);
    await Promise.all(registries.map((r) => r.close()));
  });

  /** Pushes IMAGE to `registry`, removes it from the engine, pulls it back. */
  async function pushThenPull(registry: TestRegistry): Promise<PullSummary> {
    registries.push(registry);
    const env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    created.push(`${registry.host}/${IMAGE}`);
    const push = await runCli(['push', IMAGE], { env });
    expect(push.exitCode, push.stderr).toBe(0);
    await removeImages(docker, created);
    const cacheDir = await tempCacheDir();
    const pull = await runCli(
      // --no-direct: these tests are about the swarm and the web seed in a private registry.
      [
        'pull',
        '--no-direct',
        '--seed-time',
        '0',
        '--json-summary',
        '--bare-tag',
        '--cache-dir',
        cacheDir,
        IMAGE,
      ],
      { env },
    );
    expect(pull.exitCode, pull.stderr).toBe(0);
    const out = await runInImage(docker, IMAGE, ['sha256sum', `/data/${LAYER.file}`]);
    expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
    return jsonSummary<PullSummary>(pull);
  }

  it('pulls the layer from the registry seed through the passkey announce', async () => {
    const summary = await pushThenPull(await startTestRegistry({ authReads: true }));
    expect(summary.layersDownloaded).toBe(1);
    expect(summary.bytes.fromRegistrySeed).toBeGreaterThanOrEqual(LAYER.size);
  });

  it('falls back to the signed web seed URL when no tracker answers', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/announce`;
    const summary = await pushThenPull(
      await startTestRegistry({ authReads: true, embeddedTracker: false, trackerUrls: [dead] }),
    );
    expect(summary.layersDownloaded).toBe(1);
    expect(summary.bytes.fromRegistrySeed).toBe(0);
    expect(summary.bytes.fromWebSeed).toBeGreaterThanOrEqual(LAYER.size);
  });
});
