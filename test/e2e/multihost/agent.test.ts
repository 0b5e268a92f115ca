import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchImage, buildBenchImage, removeImage } from '../../../testbed/bench-image.js';
import { startContainerd, writeMirrorHosts } from '../../../testbed/containerd.js';
import {
  type DocketRegistry,
  docketEnv,
  runDocket,
  startDocketRegistry,
} from '../../../testbed/docket.js';
import {
  AGENT_ADDRESS,
  agentSwarm,
  type HostAgents,
  startHostAgents,
} from '../../../testbed/swarm-agent.js';
import { Testbed } from '../../../testbed/testbed.js';

/**
 * `docket agent` on 3 hosts (network namespaces, a Docker engine each), the registry in a
 * fourth: stock `docker pull` through each host's agent, all at once; then a preheated push;
 * then containerd (`ctr images pull --hosts-dir`) through one agent as a registry mirror.
 */
const HOSTS = 3;
const PORT = 5000;

describe('docket agent on 3 hosts', () => {
  const docker = new Docker();
  let tb: Testbed;
  let registry: DocketRegistry;
  let agents: HostAgents;
  let image: BenchImage;
  let later: BenchImage;

  const push = (img: BenchImage) => {
    const env = docketEnv(tb.path('h0', 'push'), {
      dockerHost: process.env.DOCKER_HOST!,
      token: registry.token,
    });
    const args = ['push', '--registry', registry.loopbackUrl, `${img.name}:${img.tag}`];
    return runDocket(tb, tb.origin, 'docket-push', args, env, 120_000);
  };

  beforeAll(async () => {
    tb = await Testbed.create({ peers: HOSTS, mbit: 0 });
    image = await buildBenchImage(docker, {
      name: 'multihost-agent/app',
      tag: tb.runId,
      bytes: 8e6,
      layerCount: 2,
      seed: `multihost-agent:${tb.runId}`,
    });
    later = await buildBenchImage(docker, {
      name: 'multihost-pre/app',
      tag: tb.runId,
      bytes: 4e6,
      layerCount: 2,
      seed: `multihost-pre:${tb.runId}`,
    });
    registry = await startDocketRegistry(tb, tb.origin, PORT);
    await push(image);
    agents = await startHostAgents(tb, {
      hosts: tb.peers,
      registry,
      preheat: ['multihost-pre/*'],
      label: 'ci',
    });
  }, 300_000);

  afterAll(async () => {
    await agents?.stop();
    await tb?.destroy();
    for (const img of [image, later]) if (img) await removeImage(docker, img.id);
  }, 120_000);

  it('stock docker pull through the agents: every host has the image, registry egress < N copies', async () => {
    const result = await agentSwarm(tb, {
      hosts: tb.peers,
      registry,
      agents,
      image,
      mbit: 0,
      timeoutMs: 60_000,
    });
    expect(result.perHost.filter((h) => h.error)).toEqual([]);
    expect(result.registryEgressBytes).toBeLessThan(HOSTS * image.bytes);
    const fromPeers = result.perHost.reduce((sum, h) => sum + h.bytes!.peers, 0);
    expect(fromPeers).toBeGreaterThan(0);
  }, 90_000);

  it('preheats a matching push on every host; the docker pulls then take nothing from the registry', async () => {
    await push(later);
    const digestOnHost = async (host: (typeof tb.peers)[number]) => {
      for (let i = 0; i < 200; i++) {
        const s = await agents.status(host);
        const hit = s.preheated.find((p) => p.repository === later.name);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`host ${host.index} never reported the image preheated`);
    };
    await Promise.all(tb.peers.map(digestOnHost));
    const result = await agentSwarm(tb, {
      hosts: tb.peers,
      registry,
      agents,
      image: later,
      mbit: 0,
      timeoutMs: 60_000,
    });
    expect(result.perHost.filter((h) => h.error)).toEqual([]);
    for (const h of result.perHost) {
      expect(h.bytes).toEqual({ peers: 0, registrySeed: 0, webSeed: 0 });
    }
    // Manifests still come from the registry (a tag is revalidated on every request).
    expect(result.registryEgressBytes).toBeLessThan(later.bytes / 10);
  }, 90_000);

  it('containerd pulls through the agent as the hosts.toml mirror of the registry', async () => {
    const host = tb.peers[0]!;
    const containerd = await startContainerd(tb, host);
    // The registry's name does not resolve: only the mirror can answer.
    const registryHost = 'registry.docket.invalid:5000';
    const hostsDir = writeMirrorHosts(
      tb.path('h1', 'containerd-hosts'),
      registryHost,
      `http://${registryHost}`,
      `http://${AGENT_ADDRESS}`,
    );
    const ref = `${registryHost}/${image.name}:${image.tag}`;
    const out = await tb.exec(
      host,
      'ctr',
      [
        '--address',
        containerd.address,
        'images',
        'pull',
        '--plain-http',
        '--hosts-dir',
        hostsDir,
        '--snapshotter',
        'native',
        ref,
      ],
      60_000,
    );
    expect(out).toContain('done');
    const list = await tb.exec(host, 'ctr', [
      '--address',
      containerd.address,
      'images',
      'ls',
      '-q',
    ]);
    expect(list.split('\n')).toContain(ref);
    await tb.processes.stop(containerd.process);
  }, 90_000);
});
