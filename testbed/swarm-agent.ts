import type { AgentStatus, TransferStats } from '../lib/api/index.js';
import { type BenchImage, removeImage, verifyImage } from './bench-image.js';
import { type DocketRegistry, docketArgv, docketEnv } from './docket.js';
import { followProgress } from './images.js';
import { measurePhase, type PhaseResult } from './phase.js';
import type { Managed } from './processes.js';
import type { PeerHost, Testbed } from './testbed.js';

/** Where every host's agent listens, inside the host's namespace (as `docket agent`'s default). */
export const AGENT_ADDRESS = '127.0.0.1:5050';

export interface HostAgents {
  procs: Managed[];
  /** The agent process of a host. */
  proc(host: PeerHost): Managed;
  /** `GET /docket/v1/agent` of a host's agent, from inside its namespace. */
  status(host: PeerHost): Promise<AgentStatus>;
  /** Stops every agent (SIGINT, as Ctrl-C). */
  stop(): Promise<void>;
}

/** Starts `docket agent` on each host (its own cache dir, the registry's token); waits for /v2/. */
export async function startHostAgents(
  tb: Testbed,
  opts: { hosts: PeerHost[]; registry: DocketRegistry; preheat?: string[]; label: string },
): Promise<HostAgents> {
  const procs: Managed[] = [];
  const byHost = new Map<number, Managed>();
  const stop = () =>
    Promise.all(procs.map((p) => tb.processes.stop(p, 15_000, 'SIGINT'))).then(() => {});
  try {
    await Promise.all(
      opts.hosts.map(async (host) => {
        const args = ['agent', '--registry', opts.registry.url, '--listen', AGENT_ADDRESS];
        for (const p of opts.preheat ?? []) args.push('--preheat', p);
        const proc = tb.spawn(
          host,
          `docket-agent-${opts.label}-h${host.index}`,
          process.execPath,
          docketArgv(args),
          docketEnv(tb.path(`h${host.index}`, 'agent'), {
            dockerHost: host.engine.dockerHost,
            cacheDir: host.cacheDir,
            token: opts.registry.token,
          }),
        );
        procs.push(proc);
        byHost.set(host.index, proc);
        await proc.waitForLine(/listening on/, 30_000);
        if (opts.preheat?.length) await proc.waitForLine(/^preheating pushes/, 30_000);
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    procs,
    proc: (host) => byHost.get(host.index)!,
    status: async (host) =>
      JSON.parse(
        await tb.exec(host, 'curl', [
          '-sf',
          '--max-time',
          '5',
          `http://${AGENT_ADDRESS}/docket/v1/agent`,
        ]),
      ) as AgentStatus,
    stop,
  };
}

/**
 * The agent path of a swarm deploy: every host runs stock `docker pull <agent>/<image>` at
 * the same moment, through its own running agent; the host is done when the pull is. The
 * bytes per host are what its agent received during the phase, by source. Each engine
 * then runs the image and must print the origin's output; the pulled image is removed
 * afterwards (the agents' caches stay: that is their job).
 */
export async function agentSwarm(
  tb: Testbed,
  opts: {
    hosts: PeerHost[];
    registry: DocketRegistry;
    agents: HostAgents;
    image: BenchImage;
    mbit: number;
    timeoutMs: number;
  },
): Promise<PhaseResult> {
  const ref = `${AGENT_ADDRESS}/${opts.image.name}:${opts.image.tag}`;
  try {
    const before = await Promise.all(opts.hosts.map((h) => opts.agents.status(h)));
    // The agent does the pull's work (docker only asks it): its CPU is the pull's CPU.
    const cpu0 = opts.hosts.map((h) => opts.agents.proc(h).cpuSeconds());
    const result = await measurePhase(tb, {
      system: 'docket-agent',
      hosts: opts.hosts,
      imageBytes: opts.image.bytes,
      mbit: opts.mbit,
      registry: opts.registry.process,
      pull: async (host) => {
        const docker = host.engine.docker;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`docker pull ${ref}: timeout`)),
            opts.timeoutMs,
          );
        });
        try {
          await Promise.race([followProgress(docker, await docker.pull(ref)), timeout]);
        } finally {
          clearTimeout(timer);
        }
        const doneAt = Date.now();
        const i = opts.hosts.indexOf(host);
        const pullerCpu = opts.agents.proc(host).cpuSeconds() - cpu0[i]!;
        const got = diff((await opts.agents.status(host)).received, before[i]!.received);
        return {
          doneAt,
          pullerCpu,
          bytes: {
            peers: got.fromPeers,
            registrySeed: got.fromRegistrySeed,
            webSeed: got.fromWebSeed,
          },
        };
      },
    });
    if (result.failedHosts > 0) return result;
    await Promise.all(opts.hosts.map((h) => verifyImage(h.engine.docker, ref, opts.image)));
    return result;
  } finally {
    for (const h of opts.hosts) await removeImage(h.engine.docker, ref);
  }
}

function diff(a: TransferStats, b: TransferStats): TransferStats {
  return {
    fromPeers: a.fromPeers - b.fromPeers,
    fromRegistrySeed: a.fromRegistrySeed - b.fromRegistrySeed,
    fromWebSeed: a.fromWebSeed - b.fromWebSeed,
  };
}
