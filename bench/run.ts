import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchConfig, readConfig, type System, USAGE } from './config.js';
import { type DistributionRegistry, startDistribution } from './distribution.js';
import { type DocketRegistry, startDocketRegistry } from '../testbed/docket.js';
import { buildBenchImage } from '../testbed/bench-image.js';
import { Loopback } from './loopback.js';
import { missingPrograms } from '../testbed/programs.js';
import { rateCapBench } from './rate-cap.js';
import { type BenchReport, type LoopbackResult, median } from './report.js';
import { formatReport } from './report.js';
import { distributionSwarm } from './swarm-distribution.js';
import { docketSwarm } from '../testbed/swarm-docket.js';
import { agentSwarm, startHostAgents } from '../testbed/swarm-agent.js';
import { docket2015Swarm } from './swarm-docket2015.js';
import { SUBNET_PREFIX } from '../testbed/network.js';
import { destroyOnSignal, Testbed } from '../testbed/testbed.js';

const DISTRIBUTION_PORT = 5001;
const DOCKET_PORT = 5000;

/** Composition root of `npm run bench`: builds the test bed, runs every phase, reports. */
async function main(argv: string[]): Promise<number> {
  let config: BenchConfig | 'help';
  try {
    config = readConfig(argv, process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cfg = config;
  const missing = missingPrograms([...cfg.systems, ...(cfg.slowMbit > 0 ? cfg.slowSystems : [])]);
  if (missing) {
    process.stderr.write(`bench: ${missing}\n`);
    return 2;
  }
  const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
  let tb: Testbed | undefined;
  const removeHandlers = destroyOnSignal(() => tb);
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(totalmem() / 1024 ** 3),
      kernel: release(),
    },
    config: { ...cfg },
    image: { bytes: cfg.imageBytes, layers: cfg.layers },
    swarm: [],
    failures: [],
    loopback: [],
  };
  const nodeArgs: string[] = [];
  if (cfg.profile) {
    const dir = resolve(cfg.outDir, 'profiles');
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  try {
    const peers = Math.max(...cfg.hostCounts);
    log(`test bed: origin + ${peers} hosts, ${cfg.mbit || 'unshaped'} Mbit/s links`);
    tb = await Testbed.create({
      peers,
      mbit: cfg.mbit,
      originEngine: true,
      insecureRegistries: [`${SUBNET_PREFIX}.1:${DISTRIBUTION_PORT}`],
    });
    log(`run ${tb.runId} in ${tb.dir}; building ${cfg.imageBytes / 1e6} MB image`);
    const engine = tb.originEngine!;
    report.machine.storageDriver = engine.storageDriver;
    const image = await buildBenchImage(engine.docker, {
      name: 'bench/swarm',
      tag: tb.runId,
      bytes: cfg.imageBytes,
      layerCount: cfg.layers,
      seed: 'docket-bench',
    });
    report.image.bytes = image.bytes;
    const loop = new Loopback(tb, engine, image, cfg.pullTimeoutMs, nodeArgs);
    const dist = await startDistribution(tb, tb.origin, DISTRIBUTION_PORT);
    let docket: DocketRegistry | undefined;
    // The agent phase pulls through docket's registry too.
    if (cfg.systems.includes('docket') || cfg.systems.includes('docket-agent')) {
      try {
        docket = await startDocketRegistry(tb, tb.origin, DOCKET_PORT, nodeArgs);
      } catch (err) {
        report.failures.push({ system: 'docket', hosts: 0, error: `registry: ${msg(err)}` });
      }
    }
    log('pushing (origin loopback)');
    const dl: LoopbackResult = emptyLoopback('distribution');
    const kl: LoopbackResult = emptyLoopback('docket');
    await step(dl, 'push', () => loop.distributionPush(dist));
    if (docket) await step(kl, 'push', () => loop.docketPush(docket));
    const docketPushed = docket !== undefined && kl.pushSeconds !== null;
    if (cfg.loopback) {
      log('single-host pulls (origin loopback)');
      // Interleaved, so a slow spell of the shared machine hits both registries.
      // Docker's CLI too: `docker pull` as a user types it, next to the engine API call.
      const runs: Record<
        'distribution' | 'cli' | 'docket' | 'docketSwarm',
        Array<{ seconds: number; cpu: number; clientCpu?: number }>
      > = { distribution: [], cli: [], docket: [], docketSwarm: [] };
      for (let i = 0; i < cfg.loopbackRuns; i++) {
        await step(dl, 'pull', () => loop.distributionPull(dist), runs.distribution);
        await step(dl, 'pull', () => loop.distributionPull(dist, 'cli'), runs.cli);
        if (docketPushed) {
          await step(kl, 'pull', () => loop.docketPull(docket!), runs.docket);
          // The swarm alone (one registry seed, one puller), against the pull above.
          const swarmOnly = emptyLoopback('docket');
          await step(swarmOnly, 'pull', () => loop.docketPull(docket!, 'swarm'), runs.docketSwarm);
          if (swarmOnly.error)
            report.failures.push({
              system: 'docket --no-direct',
              hosts: 1,
              error: swarmOnly.error,
            });
        }
      }
      if (runs.docketSwarm.length > 0 && runs.docket.length > 0) {
        const perGB = (rs: typeof runs.docket) =>
          median(rs.map((x) => x.clientCpu ?? Number.NaN)) / (image.bytes / 1e9);
        report.swarmOnlyPull = {
          direct: {
            seconds: median(runs.docket.map((x) => x.seconds)),
            clientCpuPerGB: perGB(runs.docket),
          },
          swarm: {
            seconds: median(runs.docketSwarm.map((x) => x.seconds)),
            clientCpuPerGB: perGB(runs.docketSwarm),
          },
          samples: {
            direct: runs.docket.map((x) => x.seconds),
            swarm: runs.docketSwarm.map((x) => x.seconds),
          },
        };
      }
      setMedians(dl, runs.distribution);
      if (runs.cli.length > 0) dl.cliPullSamples = runs.cli.map((r) => r.seconds);
      setMedians(kl, runs.docket);
      report.loopback.push(dl, ...(docket ? [kl] : []));
      if (docketPushed) {
        try {
          const update = await loop.prepareUpdate(dist, docket!);
          const samples = {
            distribution: [] as number[],
            distributionCli: [] as number[],
            docket: [] as number[],
          };
          for (let i = 0; i < cfg.loopbackRuns; i++) {
            samples.distribution.push(await update.distribution());
            samples.distributionCli.push(await update.distributionCli());
            samples.docket.push(await update.docket());
          }
          report.updatePull = {
            distribution: median(samples.distribution),
            distributionCli: median(samples.distributionCli),
            docket: median(samples.docket),
            samples,
          };
        } catch (err) {
          report.failures.push({ system: 'update pull', hosts: 1, error: msg(err) });
        }
      }
    }
    const phase = async (n: number, system: System, mbit: number) => {
      if ((system === 'docket' || system === 'docket-agent') && !docketPushed) return;
      log(`swarm: ${system}, N = ${n}, ${mbit || 'unshaped'} Mbit/s`);
      try {
        const hosts = tb!.peers.slice(0, n);
        const common = { hosts, image, mbit, timeoutMs: cfg.pullTimeoutMs };
        const label = `n${n}-${mbit}m`;
        const result =
          system === 'docket'
            ? await docketSwarm(tb!, { ...common, registry: docket!, label, nodeArgs })
            : system === 'docket-agent'
              ? await agentPhase(tb!, { ...common, registry: docket! }, label)
              : system === 'docket2015'
                ? await docket2015Swarm(tb!, { ...common, label })
                : await distributionSwarm(tb!, {
                    ...common,
                    registry: dist as DistributionRegistry,
                  });
        report.swarm.push(result);
        for (const h of result.perHost.filter((x) => x.error)) {
          report.failures.push({ system, hosts: n, error: `h${h.host}: ${h.error}` });
          log(`  FAILED h${h.host}: ${h.error}`);
        }
        if (result.failedHosts > 0) saveLogs(tb!, cfg.outDir);
        log(
          `  wall ${result.wallSeconds.toFixed(1)} s, egress ${result.egressRatio.toFixed(2)} x S`,
        );
      } catch (err) {
        report.failures.push({ system, hosts: n, error: msg(err) });
        log(`  FAILED: ${msg(err)}`);
      }
    };
    for (const n of cfg.hostCounts)
      for (const system of cfg.systems) await phase(n, system, cfg.mbit);
    if (cfg.slowMbit > 0 && cfg.slowMbit !== cfg.mbit) {
      // The slow-link phase: the largest N again, every link reshaped in place.
      await tb.reshape(cfg.slowMbit);
      for (const system of cfg.slowSystems) await phase(peers, system, cfg.slowMbit);
    }
    if (cfg.rateCap > 0) {
      try {
        // Its own registries and pulls on this machine's loopback, loading into the
        // origin's engine over its socket.
        report.rateCap = await rateCapBench({
          dockerHost: engine.dockerHost,
          cap: cfg.rateCap,
          imageBytes: cfg.imageBytes,
          layers: cfg.layers,
          cpuRuns: cfg.loopbackRuns,
          log,
        });
      } catch (err) {
        report.failures.push({ system: 'rate cap', hosts: 1, error: msg(err) });
      }
    }
  } catch (err) {
    report.failures.push({ system: 'testbed', hosts: 0, error: msg(err) });
  } finally {
    await tb?.destroy({ keepDir: cfg.keepDir });
    removeHandlers();
  }
  mkdirSync(cfg.outDir, { recursive: true });
  const file = join(cfg.outDir, `bench-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatReport(report)}\n\nJSON: ${file}\n`);
  return report.failures.length > 0 ? 1 : 0;
}

/**
 * Starts `docket agent` on the phase's hosts, runs stock `docker pull` through them, then
 * stops the agents and empties their caches (the next phase must start cold).
 */
async function agentPhase(
  tb: Testbed,
  opts: Omit<Parameters<typeof agentSwarm>[1], 'agents'>,
  label: string,
) {
  const agents = await startHostAgents(tb, { hosts: opts.hosts, registry: opts.registry, label });
  try {
    return await agentSwarm(tb, { ...opts, agents });
  } finally {
    await agents.stop();
    for (const h of opts.hosts) rmSync(h.cacheDir, { recursive: true, force: true });
  }
}

/** Copies the run's process logs out of the temp dir, which the tear-down removes. */
function saveLogs(tb: Testbed, outDir: string): void {
  cpSync(join(tb.dir, 'logs'), join(outDir, `logs-${tb.runId}`), { recursive: true });
}

function emptyLoopback(system: LoopbackResult['system']): LoopbackResult {
  return { system, pushSeconds: null, pullSeconds: null, pushCpu: null, pullCpu: null };
}

/**
 * Runs one loopback step into `out` (a pull into `pulls` too, when given); a failure is
 * recorded there, not thrown.
 */
async function step(
  out: LoopbackResult,
  what: 'push' | 'pull',
  fn: () => Promise<{ seconds: number; cpu: number }>,
  pulls?: Array<{ seconds: number; cpu: number }>,
): Promise<void> {
  try {
    const r = await fn();
    pulls?.push(r);
    if (what === 'push') {
      out.pushSeconds = r.seconds;
      out.pushCpu = r.cpu;
    } else {
      out.pullSeconds = r.seconds;
      out.pullCpu = r.cpu;
    }
  } catch (err) {
    out.error = `${out.error ? `${out.error}; ` : ''}${what}: ${msg(err)}`;
  }
}

/** Sets `out`'s pull figures to the medians of its runs. */
function setMedians(out: LoopbackResult, runs: Array<{ seconds: number; cpu: number }>): void {
  if (runs.length === 0) return;
  out.pullSeconds = median(runs.map((r) => r.seconds));
  out.pullCpu = median(runs.map((r) => r.cpu));
  out.pullSamples = runs.map((r) => r.seconds);
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

process.exitCode = await main(process.argv.slice(2));
