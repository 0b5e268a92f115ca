import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerodeEngine } from '../../../client/docker-engine.js';
import { RegistryClient } from '../../../client/registry-client.js';
import { type PushEvent, pushImage } from '../../../client/services/push.js';
import { buildTestImage, ensureBaseImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';

const TAG = 'push-progress-test/app:v1';

/**
 * Push progress against a real engine and registry: layers are sent while `docker save`
 * still exports (before the manifest says which layer each file is), and each must still
 * report its progress under its index.
 */
describe('pushImage progress', () => {
  const docker = new Docker();
  let registry: TestRegistry;
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    await ensureBaseImage(docker);
    await buildTestImage(docker, TAG, [
      { file: 'a.bin', seed: 'push-progress a', size: 3_000_000 },
      { file: 'b.bin', seed: 'push-progress b', size: 2_000_000 },
    ]);
    registry = await startTestRegistry();
    tmp = await tempDir();
  }, 120_000);
  afterAll(async () => {
    await registry?.close();
    await tmp?.cleanup();
    await docker
      .getImage(TAG)
      .remove()
      .catch(() => undefined);
  });

  it('reports every uploaded layer’s progress up to its size, under its index', async () => {
    const events: PushEvent[] = [];
    const result = await pushImage(
      {
        engine: new DockerodeEngine(docker),
        registry: new RegistryClient({ url: registry.url, token: registry.token }),
        tmpDir: tmp.dir,
        concurrency: 2,
        onEvent: (e) => events.push(e),
      },
      TAG,
      { repository: 'push-progress-test/app', tag: 'v1' },
    );
    expect(result.layersUploaded).toBe(3);
    const exportedAt = events.findIndex((e) => e.kind === 'exported');
    expect(exportedAt).toBeGreaterThanOrEqual(0);
    for (const done of events.filter((e) => e.kind === 'layer')) {
      const progress = events.filter(
        (e) => e.kind === 'layer-progress' && e.index === done.index && e.phase === 'uploading',
      );
      expect(progress.length, `layer ${done.index}`).toBeGreaterThan(0);
      const last = progress.at(-1) as Extract<PushEvent, { kind: 'layer-progress' }>;
      expect(last.bytes).toBe(last.size);
      expect(last.size).toBe(done.size);
      // Nothing is reported before the output knows how many layers there are.
      expect(events.indexOf(progress[0]!)).toBeGreaterThan(exportedAt);
    }
  }, 120_000);
});
