import { cpus } from 'node:os';
import type { Managed } from './processes.js';
import { machineCpu } from './procfs.js';
import type { PeerHost, Testbed } from './testbed.js';

/** The systems `npm run bench` compares (bench/config.ts). */
export type System = 'docket' | 'docket-agent' | 'docket2015' | 'distribution';

/** Bytes a host received, by source, as `docket pull --json-summary` reports them. */
export interface BytesBySource {
  peers: number;
  registrySeed: number;
  webSeed: number;
}

export interface HostResult {
  host: number;
  /** From the common start until the image was loaded in the host's engine. */
  seconds: number;
  bytes?: BytesBySource;
  /** CPU seconds of the host's pull process (docket) and of its engine, during the phase. */
  pullerCpu: number;
  engineCpu: number;
  /** Why this host did not get the image (its seconds are then NaN). */
  error?: string;
}

export interface PhaseResult {
  system: System;
  hosts: number;
  imageBytes: number;
  mbit: number;
  wallSeconds: number;
  p50Seconds: number;
  maxSeconds: number;
  registryEgressBytes: number;
  /** registryEgressBytes / imageBytes. */
  egressRatio: number;
  /** S/B: no host can receive S bytes faster over its B Mbit/s link (null when unshaped). */
  boundSeconds: number | null;
  /** wallSeconds / boundSeconds. */
  ratioToBound: number | null;
  registryCpu: number;
  /** Machine-wide CPU use during the phase, 0..1 of all cores. */
  machineCpuShare: number;
  cores: number;
  perHost: HostResult[];
  /** Hosts that failed; wall/p50/max then cover only the others. */
  failedHosts: number;
}

/** What one host's pull reports when the image is loaded in its engine. */
export interface PullOutcome {
  doneAt: number;
  bytes?: BytesBySource;
  /** CPU seconds of the host's pull process at doneAt, when there is one. */
  pullerCpu?: number;
}

/**
 * Starts `pull` on every host at the same moment and measures wall time per host, the
 * origin's interface egress and CPU use, from the start until the last host is done.
 */
export async function measurePhase(
  tb: Testbed,
  opts: {
    system: PhaseResult['system'];
    hosts: PeerHost[];
    imageBytes: number;
    mbit: number;
    registry: Managed;
    pull: (host: PeerHost, startAt: number) => Promise<PullOutcome>;
  },
): Promise<PhaseResult> {
  const { hosts } = opts;
  const egress0 = (await tb.counters(tb.origin)).txBytes;
  const registryCpu0 = opts.registry.cpuSeconds();
  const engineCpu0 = hosts.map((h) => h.engine.process.cpuSeconds());
  const machine0 = machineCpu();
  const startAt = Date.now();
  // allSettled: one failed host must not hide the others' figures.
  const outcomes = await Promise.allSettled(hosts.map((h) => opts.pull(h, startAt)));
  const machine1 = machineCpu();
  const egress1 = (await tb.counters(tb.origin)).txBytes;
  const perHost = hosts.map((h, i): HostResult => {
    const settled = outcomes[i]!;
    const engineCpu = h.engine.process.cpuSeconds() - engineCpu0[i]!;
    if (settled.status === 'rejected') {
      const error = String((settled.reason as Error)?.message ?? settled.reason);
      return { host: h.index, seconds: Number.NaN, pullerCpu: 0, engineCpu, error };
    }
    const o = settled.value;
    return {
      host: h.index,
      seconds: (o.doneAt - startAt) / 1000,
      ...(o.bytes ? { bytes: o.bytes } : {}),
      pullerCpu: o.pullerCpu ?? 0,
      engineCpu,
    };
  });
  const times = perHost
    .filter((h) => !h.error)
    .map((h) => h.seconds)
    .sort((a, b) => a - b);
  const wallSeconds = times[times.length - 1] ?? 0;
  const boundSeconds = opts.mbit > 0 ? (opts.imageBytes * 8) / (opts.mbit * 1e6) : null;
  const registryEgressBytes = egress1 - egress0;
  return {
    system: opts.system,
    hosts: hosts.length,
    imageBytes: opts.imageBytes,
    mbit: opts.mbit,
    wallSeconds,
    p50Seconds: median(times),
    maxSeconds: wallSeconds,
    registryEgressBytes,
    egressRatio: registryEgressBytes / opts.imageBytes,
    boundSeconds,
    ratioToBound: boundSeconds ? wallSeconds / boundSeconds : null,
    registryCpu: opts.registry.cpuSeconds() - registryCpu0,
    machineCpuShare: (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total),
    cores: cpus().length,
    perHost,
    failedHosts: perHost.filter((h) => h.error).length,
  };
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
