import { rm } from 'node:fs/promises';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli, startCli } from '../../helpers/run-cli.js';
import { within } from '../../helpers/within.js';
import { hasImage, jsonSummary, removeImages, tempCacheDir } from './cli-env.js';

/**
 * Two `docket pull`s of one image started together on one host and one cache: both must
 * succeed, and each blob must come from the registry about once (one pull fetches it, the
 * other waits for that fetch and takes the cached blob), not twice into one partial file.
 */
const docker = new Docker();
const IMAGE = 'pull-concurrent/app:v1';
const LAYERS = [0, 1, 2].map((i) => ({
  file: `l${i}.bin`,
  size: 6_000_000,
  seed: `pull-concurrent-${i}`,
}));

const fromRegistry = (s: PullSummary) => s.bytes.fromRegistrySeed + s.bytes.fromWebSeed;

describe('two docket pulls of one image on one cache', () => {
  let registry: TestRegistry;
  let cacheDir: string;
  let ref: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    cacheDir = await tempCacheDir();
    await buildTestImage(docker, IMAGE, LAYERS);
    const pushed = await runCli(['push', '-q', '--registry', registry.url, IMAGE], {
      env: { DOCKET_TOKEN: registry.token },
    });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    ref = `${registry.host}/${IMAGE}`;
    // The engine must fetch every layer: drop the image it was pushed from.
    await removeImages(docker, [IMAGE, ref]);
  });
  afterAll(async () => {
    await removeImages(docker, [IMAGE, ...(ref ? [ref] : [])]);
    await registry?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('both succeed, and the registry sends each blob about once', async () => {
    const env = { DOCKET_TOKEN: registry.token };
    const args = ['pull', '--seed-time', '0', '--json', '--cache-dir', cacheDir, ref];
    const pulls = [startCli(args, { env }), startCli(args, { env })];
    const [one, two] = await within(
      120_000,
      'both pulls end',
      Promise.all(pulls.map((p) => p.result)),
    );
    expect(one?.exitCode, one?.stderr).toBe(0);
    expect(two?.exitCode, two?.stderr).toBe(0);
    expect(await hasImage(docker, ref)).toBe(true);
    const summaries = [one, two].map((r) => jsonSummary<PullSummary>(r as NonNullable<typeof r>));
    const imageBytes = LAYERS.reduce((n, l) => n + l.size, 0);
    const sent = summaries.reduce((n, s) => n + fromRegistry(s), 0);
    // Once, give or take the small blobs each pull gets whole over HTTP.
    expect(sent).toBeGreaterThanOrEqual(imageBytes);
    expect(sent).toBeLessThan(imageBytes * 1.2);
  });
});
