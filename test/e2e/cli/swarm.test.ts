import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli, startCli } from '../../helpers/run-cli.js';
import { closedPort, jsonSummary, layerFileSha, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();
const LAYER = { file: 'big.bin', size: 6_000_000, seed: 'cli-swarm-big' };

describe('docket pull through the swarm', () => {
  const created: string[] = [];
  afterAll(async () => {
    await removeImages(docker, created);
  });

  describe('with the embedded tracker', () => {
    let registry: TestRegistry;
    let env: Record<string, string>;
    beforeAll(async () => {
      registry = await startTestRegistry();
      env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
      await buildTestImage(docker, 'cli-test/swarm:v1', [LAYER]);
      created.push('cli-test/swarm:v1', `${registry.host}/cli-test/swarm:v1`);
      const pushed = await runCli(['push', 'cli-test/swarm:v1'], { env });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      await removeImages(docker, ['cli-test/swarm:v1']);
    });
    afterAll(async () => {
      await registry?.close();
    });

    it('a second host gets bytes from the first one, which keeps seeding', async () => {
      const first = startCli(
        [
          'pull',
          '--seed-time',
          '120',
          '--json-summary',
          '--cache-dir',
          await tempCacheDir(),
          'cli-test/swarm:v1',
        ],
        { env },
      );
      try {
        await first.waitForStderr(/seeding \d+ blobs/, 60_000);
        // The second host must fetch the blobs too: take the image out of the shared engine.
        await removeImages(docker, ['cli-test/swarm:v1', `${registry.host}/cli-test/swarm:v1`]);
        const second = await runCli(
          [
            'pull',
            '--seed-time',
            '0',
            '--json-summary',
            '--cache-dir',
            await tempCacheDir(),
            'cli-test/swarm:v1',
          ],
          { env },
        );
        expect(second.exitCode, second.stderr).toBe(0);
        const summary = jsonSummary<PullSummary>(second);
        expect(summary.layersDownloaded).toBe(1);
        expect(summary.bytes.fromPeers).toBeGreaterThan(0);
        const out = await runInImage(docker, 'cli-test/swarm:v1', ['sha256sum', '/data/big.bin']);
        expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
      } finally {
        first.child.kill('SIGINT');
      }
      // SIGINT while seeding is a clean stop.
      const done = await first.result;
      expect(done.exitCode, done.stderr).toBe(0);
      expect(jsonSummary<PullSummary>(done).layersDownloaded).toBe(1);
    });
  });

  describe('when the tracker is down', () => {
    let registry: TestRegistry;
    let env: Record<string, string>;
    beforeAll(async () => {
      registry = await startTestRegistry({
        embeddedTracker: false,
        trackerUrls: [`http://127.0.0.1:${await closedPort()}/announce`],
      });
      env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
      await buildTestImage(docker, 'cli-test/swarm:v1', [LAYER]);
      created.push(`${registry.host}/cli-test/swarm:v1`);
      const pushed = await runCli(['push', 'cli-test/swarm:v1'], { env });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      await removeImages(docker, ['cli-test/swarm:v1']);
    });
    afterAll(async () => {
      await registry?.close();
    });

    it('completes through the web seed, with a warning', async () => {
      const result = await runCli(
        [
          'pull',
          '--seed-time',
          '0',
          '--json-summary',
          '--cache-dir',
          await tempCacheDir(),
          'cli-test/swarm:v1',
        ],
        { env },
      );
      expect(result.exitCode, result.stderr).toBe(0);
      const summary = jsonSummary<PullSummary>(result);
      expect(summary.bytes.fromWebSeed).toBeGreaterThan(LAYER.size);
      expect(summary.bytes.fromPeers).toBe(0);
      expect(result.stderr).toMatch(/warning: .*web seed/);
      const out = await runInImage(docker, 'cli-test/swarm:v1', ['sha256sum', '/data/big.bin']);
      expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
    });
  });
});
