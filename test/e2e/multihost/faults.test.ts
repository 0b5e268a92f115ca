import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import {
  type BenchImage,
  buildBenchImage,
  removeImage,
  verifyImage,
} from '../../../testbed/bench-image.js';
import {
  type DocketRegistry,
  docketEnv,
  runDocket,
  startDocketRegistry,
} from '../../../testbed/docket.js';
import {
  docketLines,
  type HostPull,
  pullDone,
  startHostPull,
  startHostSeed,
  waitForRx,
} from '../../../testbed/fault-pull.js';
import type { Managed } from '../../../testbed/processes.js';
import { type PeerHost, Testbed } from '../../../testbed/testbed.js';
import { within } from '../../helpers/within.js';

/**
 * Faults during a swarm deploy, with real processes on 3 hosts (network namespaces, one
 * Docker engine each, links shaped to MBIT so a download lasts seconds): the registry or
 * a seeding peer is killed with SIGKILL once a host has received part of the image (its
 * interface counters say so), never after a fixed sleep.
 */
const HOSTS = 3;
const PORT = 5000;
const MBIT = 30;
const IMAGE_BYTES = 8e6;
/** testbed/corrupt-peer.ts as built by `npm run build`. */
const CORRUPT_PEER = new URL('../../../dist/testbed/corrupt-peer.js', import.meta.url).pathname;

describe('faults during a swarm deploy on 3 hosts', () => {
  const docker = new Docker();
  let tb: Testbed;
  let registry: DocketRegistry;
  let image: BenchImage;
  let ref: string;
  const pulls: HostPull[] = [];
  /** `docket seed` processes: a host's long-running seeder, which a pull hands seeding to. */
  const seeders: Managed[] = [];

  const pull = (host: PeerHost, label: string, seedSeconds = 0): HostPull => {
    const p = startHostPull(tb, host, registry, ref, { seedSeconds, label });
    pulls.push(p);
    return p;
  };
  const rx = async (host: PeerHost) => (await tb.counters(host)).rxBytes;
  let registryDown = false;
  const killRegistry = async () => {
    registryDown = true;
    await tb.processes.stop(registry.process, 5_000, 'SIGKILL');
  };
  /** The same data directory and port: the blobs and the tag are still there. */
  const restartRegistry = async () => {
    registry = await startDocketRegistry(tb, tb.origin, PORT);
    registryDown = false;
  };
  /** The host has neither the image nor any cached or partial blob. */
  const resetHost = async (host: PeerHost) => {
    await removeImage(host.engine.docker, ref);
    await removeImage(host.engine.docker, `${new URL(registry.url).host}/${ref}`);
    rmSync(host.cacheDir, { recursive: true, force: true });
    rmSync(join(tb.dir, `h${host.index}`, 'docket'), { recursive: true, force: true });
  };
  const host = (i: number) => tb.peers[i - 1] as PeerHost;

  beforeAll(async () => {
    tb = await Testbed.create({ peers: HOSTS, mbit: MBIT });
    image = await buildBenchImage(docker, {
      name: 'faults-test/app',
      tag: tb.runId,
      bytes: IMAGE_BYTES,
      layerCount: 3,
      seed: `faults-test:${tb.runId}`,
    });
    ref = `${image.name}:${image.tag}`;
    registry = await startDocketRegistry(tb, tb.origin, PORT);
    const env = docketEnv(tb.path('h0', 'push'), {
      dockerHost: process.env.DOCKER_HOST!,
      token: registry.token,
    });
    await runDocket(
      tb,
      tb.origin,
      'docket-push',
      ['push', '--registry', registry.loopbackUrl, ref],
      env,
      120_000,
    );
  }, 300_000);

  afterEach(async () => {
    await Promise.all(pulls.splice(0).map((p) => tb.processes.stop(p.proc, 15_000, 'SIGINT')));
    await Promise.all(seeders.splice(0).map((p) => tb.processes.stop(p, 15_000, 'SIGINT')));
    for (const h of tb.peers) await resetHost(h);
    if (registryDown) await restartRegistry();
  }, 120_000);

  afterAll(async () => {
    await tb?.destroy();
    if (image) await removeImage(docker, image.id);
  }, 120_000);

  it('kill -9 of the registry: a host no peer can complete fails with one clear line and resumes on the next pull', async () => {
    const h3 = host(3);
    const from = await rx(h3);
    const first = pull(h3, 'cut');
    await waitForRx(tb, h3, from, 0.4 * image.layerBytes, 60_000);
    await killRegistry();
    // Stalled for stallMs (10 s), then the web seed is dead too for as long: ~20 s.
    const exit = await within(60_000, 'the cut-off pull exits', first.proc.exited);
    const errors = docketLines(first).filter((l) => !l.startsWith('docket: warning:'));
    expect(exit.code, errors.join('\n')).toBe(ExitCode.registryUnreachable);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/stalled.*pull again to resume|registry .* unreachable/);

    await restartRegistry();
    const again = await pullDone(pull(h3, 'resume'), 90_000);
    const fetched = again.fromPeers + again.fromRegistrySeed + again.fromWebSeed;
    // Resumed: the pieces received before the kill were not fetched again.
    expect(fetched).toBeLessThan(image.layerBytes * 0.8);
    await verifyImage(h3.engine.docker, ref, image);
  }, 240_000);

  it('kill -9 of the registry: hosts holding pieces finish from each other', async () => {
    const [h1, h2, h3] = [host(1), host(2), host(3)];
    await pullDone(pull(h1, 'seed'), 90_000);
    seeders.push(await startHostSeed(tb, h1, 'holder'));
    const from = await Promise.all([rx(h2), rx(h3)]);
    const pulling = [pull(h2, 'mid'), pull(h3, 'mid')];
    await Promise.all([
      waitForRx(tb, h2, from[0]!, 0.2 * image.layerBytes, 60_000),
      waitForRx(tb, h3, from[1]!, 0.2 * image.layerBytes, 60_000),
    ]);
    await killRegistry();
    const done = await Promise.all(pulling.map((p) => pullDone(p, 90_000)));
    for (const bytes of done) expect(bytes.fromPeers).toBeGreaterThan(0);
    await Promise.all([h2, h3].map((h) => verifyImage(h.engine.docker, ref, image)));
  }, 240_000);

  it('kill -9 of a seeding peer: the other hosts finish', async () => {
    const [h1, h2, h3] = [host(1), host(2), host(3)];
    await pullDone(pull(h1, 'seeder'), 90_000);
    const seeder = await startHostSeed(tb, h1, 'killed');
    seeders.push(seeder);
    const from = await Promise.all([rx(h2), rx(h3)]);
    const pulling = [pull(h2, 'orphan'), pull(h3, 'orphan')];
    await Promise.all([
      waitForRx(tb, h2, from[0]!, 0.2 * image.layerBytes, 60_000),
      waitForRx(tb, h3, from[1]!, 0.2 * image.layerBytes, 60_000),
    ]);
    await tb.processes.stop(seeder, 5_000, 'SIGKILL');
    await Promise.all(pulling.map((p) => pullDone(p, 90_000)));
    await Promise.all([h2, h3].map((h) => verifyImage(h.engine.docker, ref, image)));
  }, 240_000);

  it('a peer answering with wrong bytes: the pulls still load verified images', async () => {
    const [h1, h2, h3] = [host(1), host(2), host(3)];
    // The largest layer's .torrent, fetched inside the registry's namespace.
    const manifest = JSON.parse(
      await tb.exec(tb.origin, 'curl', [
        '-sf',
        '-H',
        'Accept: application/vnd.docker.distribution.manifest.v2+json',
        `${registry.loopbackUrl}/v2/${image.name}/manifests/${image.tag}`,
      ]),
    ) as { layers: { digest: string; size: number }[] };
    const layer = manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
    const dir = tb.path('corrupt-peer');
    const torrentFile = join(dir, 'layer.torrent');
    const badFile = join(dir, 'layer.bad');
    await tb.exec(tb.origin, 'curl', [
      '-sf',
      '-o',
      torrentFile,
      `${registry.loopbackUrl}/docket/v1/blobs/${layer.digest}/torrent`,
    ]);
    writeFileSync(badFile, randomBytes(layer.size));
    const bad = tb.spawn(h3, 'corrupt-peer', process.execPath, [
      CORRUPT_PEER,
      torrentFile,
      badFile,
    ]);
    try {
      await bad.waitForLine(/^listening \d+/, 15_000);
      const pulling = [pull(h1, 'victim'), pull(h2, 'victim')];
      await Promise.all(pulling.map((p) => pullDone(p, 90_000)));
      await Promise.all([h1, h2].map((h) => verifyImage(h.engine.docker, ref, image)));
      // The corrupt peer was in play: it sent (bad) blocks that never reached an engine.
      expect(bad.stdout()).toMatch(/^uploaded [1-9]\d*$/m);
    } finally {
      await tb.processes.stop(bad, 5_000);
    }
  }, 240_000);
});
