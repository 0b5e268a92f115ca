import { median } from './stats.js';
import type { PhaseResult } from '../testbed/phase.js';
import { formatRateCap, type RateCapResult } from './rate-cap.js';

/** Single-host figures on the origin's loopback (unshaped). */
export { median };

export interface LoopbackResult {
  system: 'docket' | 'distribution';
  pushSeconds: number | null;
  pullSeconds: number | null;
  pushCpu: number | null;
  pullCpu: number | null;
  /** Seconds of each loopback pull (pullSeconds and pullCpu are the medians). */
  pullSamples?: number[];
  /** Distribution only: seconds of each pull by Docker's CLI (`docker pull`, start-up included). */
  cliPullSamples?: number[];
  error?: string;
}

export interface BenchReport {
  date: string;
  machine: {
    cores: number;
    cpuModel: string;
    memGiB: number;
    kernel: string;
    /** The Docker engines' storage driver (overlay2 where the kernel allows it, else vfs). */
    storageDriver?: string;
  };
  config: Record<string, unknown>;
  /** bytes: S, the engine's size of the whole image. */
  image: { bytes: number; layers: number };
  swarm: PhaseResult[];
  failures: Array<{ system: string; hosts: number; error: string }>;
  loopback: LoopbackResult[];
  /**
   * One registry seed, one puller on loopback: `docket pull --no-direct` (the swarm only)
   * against the default pull (direct HTTP), interleaved. Medians; CPU of the docket process.
   */
  swarmOnlyPull?: {
    direct: { seconds: number; clientCpuPerGB: number };
    swarm: { seconds: number; clientCpuPerGB: number };
    samples: { direct: number[]; swarm: number[] };
  };
  /** Seconds to pull an update (one small top layer on the image the engine holds). */
  updatePull?: {
    /** Medians: the engine API call, Docker's CLI, docket's CLI. */
    distribution: number;
    distributionCli?: number;
    docket: number;
    samples: { distribution: number[]; distributionCli?: number[]; docket: number[] };
  };
  /** Bandwidth caps on loopback (rate-cap.ts). */
  rateCap?: RateCapResult;
}

const f = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

/** The human-readable tables printed at the end of `npm run bench`. */
export function formatReport(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(
    `docket bench ${r.date}: ${r.machine.cores} cores (${r.machine.cpuModel}), engines on ${r.machine.storageDriver ?? '?'}, S = ${mb(r.image.bytes)} MB (${r.image.layers} random layers + busybox base)`,
  );
  lines.push('');
  const swarmRows = [
    [
      'system',
      'N',
      'Mbit/s',
      'wall s',
      'p50 s',
      'max s',
      'S/B s',
      'x bound',
      'egress/S',
      'reg CPU s',
      'pull CPU s',
      'pull CPU s/GB/host',
      'eng CPU s',
      'machine CPU',
    ],
  ];
  for (const p of r.swarm) {
    const pullCpu = p.perHost.reduce((a, h) => a + h.pullerCpu, 0);
    const engCpu = p.perHost.reduce((a, h) => a + h.engineCpu, 0);
    swarmRows.push([
      p.system,
      p.failedHosts ? `${p.hosts} (${p.failedHosts} failed)` : String(p.hosts),
      String(p.mbit || 'none'),
      f(p.wallSeconds),
      f(p.p50Seconds),
      f(p.maxSeconds),
      f(p.boundSeconds),
      f(p.ratioToBound, 2),
      f(p.egressRatio, 2),
      f(p.registryCpu),
      f(pullCpu),
      f(pullCpu / p.hosts / (p.imageBytes / 1e9)),
      f(engCpu),
      `${Math.round(p.machineCpuShare * 100)}%`,
    ]);
  }
  lines.push(...table(swarmRows));
  const withBytes = r.swarm.filter((p) => p.perHost.some((h) => h.bytes));
  if (withBytes.length > 0) {
    lines.push('', 'docket bytes per host (MB): peers / registry seed / web seed');
    for (const p of withBytes) {
      const cells = p.perHost.map((h) =>
        h.bytes
          ? `h${h.host} ${mb(h.bytes.peers)}/${mb(h.bytes.registrySeed)}/${mb(h.bytes.webSeed)}`
          : `h${h.host} -`,
      );
      lines.push(`  ${p.system} N=${p.hosts}: ${cells.join('  ')}`);
    }
  }
  for (const x of r.failures) lines.push(`FAILED ${x.system} N=${x.hosts}: ${x.error}`);
  if (r.loopback.length > 0) {
    lines.push('', 'single host, origin loopback (unshaped)');
    const rows = [['system', 'push s', 'push CPU s', 'pull s', 'pull CPU s', 'error']];
    for (const l of r.loopback) {
      rows.push([
        l.system,
        f(l.pushSeconds),
        f(l.pushCpu),
        f(l.pullSeconds),
        f(l.pullCpu),
        l.error ? `  ${l.error}` : '',
      ]);
    }
    lines.push(...table(rows));
    const [d, k] = [r.loopback.find((l) => l.system === 'distribution'), r.loopback[1]];
    if (d?.pullSeconds && k?.pullSeconds && (d.pullSamples?.length ?? 0) > 1) {
      lines.push(
        `pulls (median of ${d.pullSamples?.length}, interleaved): docket ${f(k.pullSeconds / d.pullSeconds, 2)} x distribution; runs s: distribution ${samples(d.pullSamples)}, docket ${samples(k.pullSamples)}`,
      );
      const cli = d.cliPullSamples?.length ? median(d.cliPullSamples) : undefined;
      if (cli)
        lines.push(
          `  against Docker's CLI (\`docker pull\`, its start-up included): docket ${f(k.pullSeconds / cli, 2)} x; runs s: ${samples(d.cliPullSamples)}`,
        );
    }
  }
  if (r.swarmOnlyPull) {
    const { direct, swarm, samples: runs } = r.swarmOnlyPull;
    lines.push(
      `swarm-only pull (--no-direct, median of ${runs.swarm.length}): ${f(swarm.seconds, 2)} s = ${f(swarm.seconds / direct.seconds, 2)} x the direct pull (${f(direct.seconds, 2)} s; target <= 1.3 x); client CPU s/GB: swarm ${f(swarm.clientCpuPerGB)} (target <= 12), direct ${f(direct.clientCpuPerGB)}; runs s: swarm ${samples(runs.swarm)}, direct ${samples(runs.direct)}`,
    );
  }
  if (r.updatePull) {
    const u = r.updatePull;
    lines.push(
      '',
      `update pull (one 200 kB layer on the image the engine holds, median of ${u.samples.docket.length}): distribution ${f(u.distribution, 2)} s, docket ${f(u.docket, 2)} s (${f(u.docket / u.distribution)} x); runs s: distribution ${samples(u.samples.distribution)}, docket ${samples(u.samples.docket)}`,
    );
    if (u.distributionCli)
      lines.push(
        `  against Docker's CLI: ${f(u.distributionCli, 2)} s, docket ${f(u.docket / u.distributionCli)} x; runs s: ${samples(u.samples.distributionCli)}`,
      );
  }
  if (r.rateCap) lines.push('', formatRateCap(r.rateCap));
  return lines.join('\n');
}

const samples = (xs: number[] | undefined) => (xs ?? []).map((x) => f(x, 2)).join(' ');

/** Left-aligned first column, right-aligned others, each as wide as its widest cell. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]! + 2))).join(''),
  );
}
