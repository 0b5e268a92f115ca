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

    it("pulls return after the load; a second host gets bytes from the first one's docket seed", async () => {
      const firstCache = await tempCacheDir();
      const ref = `${registry.host}/cli-test/swarm:v1`;
      // The default --seed-time, and nobody else downloads: the pull returns at once.
      const first = await runCli(
        ['pull', '--json', '--cache-dir', firstCache, 'cli-test/swarm:v1'],
        {
          env,
        },
      );
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/no other host is downloading these blobs: not seeding/);
      expect(jsonSummary<PullSummary>(first).layersDownloaded).toBe(1);
      const seeder = startCli(['seed', '--cache-dir', firstCache], { env });
      try {
        await seeder.waitForStdout(/seeding \d+ blob\(s\) on TCP port/, 60_000);
        // A pull on the seeder's cache leaves seeding to it.
        await removeImages(docker, [ref]);
        const again = await runCli(['pull', '--cache-dir', firstCache, 'cli-test/swarm:v1'], {
          env,
        });
        expect(again.exitCode, again.stderr).toBe(0);
        expect(again.stdout).toContain(`seeding handed to docket seed (pid ${seeder.child.pid})`);
        // The second host must fetch the blobs too: take the image out of the shared engine.
        await removeImages(docker, [ref]);
        const second = await runCli(
          [
            'pull',
            '--seed-time',
            '0',
            '--json',
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
        const out = await runInImage(docker, ref, ['sha256sum', '/data/big.bin']);
        expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
      } finally {
        seeder.child.kill('SIGINT');
      }
      // SIGINT is a clean stop of the seeder.
      const done = await seeder.result;
      expect(done.exitCode, done.stderr).toBe(0);
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
          // A lone pull would get the blob direct over HTTP: this is about the swarm's fallback.
          '--no-direct',
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
      const out = await runInImage(docker, `${registry.host}/cli-test/swarm:v1`, [
        'sha256sum',
        '/data/big.bin',
      ]);
      expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
    });
  });
});
