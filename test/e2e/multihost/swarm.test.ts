import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DocketRegistry,
  docketEnv,
  runDocket,
  startDocketRegistry,
} from '../../../testbed/docket.js';
import { type BenchImage, buildBenchImage, removeImage } from '../../../testbed/bench-image.js';
import { docketSwarm } from '../../../testbed/swarm-docket.js';
import { leftoverNetns } from '../../../testbed/network.js';
import { isAlive } from '../../../testbed/procfs.js';
import { Testbed } from '../../../testbed/testbed.js';

/**
 * A swarm deploy on 3 hosts, each a network namespace with its own Docker engine, the
 * registry in a fourth (no shaping). The image is built in the test engine and pushed with
 * `docket push` from the origin's namespace (the engine's unix socket reaches every namespace).
 */
const HOSTS = 3;
const PORT = 5000;

describe('swarm deploy on 3 hosts in network namespaces', () => {
  const docker = new Docker();
  let tb: Testbed;
  let registry: DocketRegistry;
  let image: BenchImage;

  beforeAll(async () => {
    tb = await Testbed.create({ peers: HOSTS, mbit: 0 });
    image = await buildBenchImage(docker, {
      name: 'multihost-test/app',
      tag: tb.runId,
      bytes: 20e6,
      layerCount: 3,
      seed: `multihost-test:${tb.runId}`,
    });
    registry = await startDocketRegistry(tb, tb.origin, PORT);
    const env = docketEnv(tb.path('h0', 'push'), {
      dockerHost: process.env.DOCKER_HOST!,
      token: registry.token,
    });
    const push = ['push', '--registry', registry.loopbackUrl, `${image.name}:${image.tag}`];
    await runDocket(tb, tb.origin, 'docket-push', push, env, 120_000);
  }, 300_000);

  afterAll(async () => {
    await tb?.destroy();
    if (image) await removeImage(docker, image.id);
  }, 120_000);

  it('loads and runs the image on every host; the registry sends less than N copies', async () => {
    const result = await docketSwarm(tb, {
      hosts: tb.peers,
      registry,
      image,
      mbit: 0,
      timeoutMs: 150_000,
      label: 'ci',
    });
    expect(result.perHost.filter((h) => h.error)).toEqual([]);
    // docketSwarm ran the image on every host and compared its output with the origin's.
    expect(result.perHost.map((h) => h.host)).toEqual([1, 2, 3]);
    for (const h of result.perHost) {
      const got = h.bytes!.peers + h.bytes!.registrySeed + h.bytes!.webSeed;
      expect(got).toBeGreaterThan(0);
    }
    expect(result.registryEgressBytes).toBeLessThan(HOSTS * image.bytes);
  }, 240_000);

  it('tears down every namespace and process it made', async () => {
    const pids = [...tb.peers.map((h) => h.engine.process.pid), registry.process.pid];
    await tb.destroy();
    expect(await leftoverNetns(tb.runId)).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(tb.dir)).toBe(false);
  }, 120_000);
});
