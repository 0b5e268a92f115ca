import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { hasImage, jsonSummary, removeImages, tempCacheDir } from './cli-env.js';

/**
 * `docket pull --max-download-rate` and `DOCKET_MAX_DOWNLOAD_RATE` reach the pull's peer:
 * a 6 MB layer capped at 2M takes no less than the cap allows. A lower bound only, which
 * a slow machine cannot break; how close to the cap a pull stays is bench/rate-cap.ts's.
 */
const docker = new Docker();
const IMAGE = 'rate-cap/app:v1';
const LAYER = { file: 'app.bin', size: 6_000_000, seed: 'rate-cap-e2e' };
const CAP = 2_000_000;

describe('docket pull with a download cap', () => {
  let registry: TestRegistry;
  let ref: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    await buildTestImage(docker, IMAGE, [LAYER]);
    const pushed = await runCli(['push', '-q', '--registry', registry.url, IMAGE], {
      env: { DOCKET_TOKEN: registry.token },
    });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    ref = `${registry.host}/${IMAGE}`;
    await removeImages(docker, [IMAGE, ref]);
  });
  afterAll(async () => {
    await removeImages(docker, [IMAGE, ...(ref ? [ref] : [])]);
    await registry?.close();
  });

  it.each([
    ['the flag', ['--max-download-rate', '2M'], {}],
    ['the variable', [], { DOCKET_MAX_DOWNLOAD_RATE: '2M' }],
  ])('takes at least size / cap, the cap given by %s', async (_, flags, env) => {
    await removeImages(docker, [ref]);
    const args = ['pull', '--seed-time', '0', '--json', '--cache-dir', await tempCacheDir()];
    const result = await runCli([...args, ...flags, ref], {
      env: { DOCKET_TOKEN: registry.token, ...env },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = jsonSummary<PullSummary>(result);
    const fetched =
      summary.bytes.fromPeers + summary.bytes.fromRegistrySeed + summary.bytes.fromWebSeed;
    expect(fetched).toBeGreaterThan(LAYER.size);
    expect(summary.seconds).toBeGreaterThanOrEqual((fetched / CAP) * 0.8);
    expect(await hasImage(docker, ref)).toBe(true);
  });
});
