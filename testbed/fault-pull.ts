import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DocketRegistry, docketArgv, docketEnv } from './docket.js';
import { delay } from './exec.js';
import type { Managed } from './processes.js';
import type { PeerHost, Testbed } from './testbed.js';

/** The part of `docket pull --json-summary` the fault tests read (client/services/pull.ts). */
export interface PullSummaryBytes {
  fromPeers: number;
  fromRegistrySeed: number;
  fromWebSeed: number;
  fromCache: number;
  total: number;
}

/** One `docket pull` on one host, for tests that kill things while it runs. */
export interface HostPull {
  host: PeerHost;
  proc: Managed;
  /** The process's log (stdout and stderr). */
  log: string;
}

/**
 * Starts `docket pull --json-summary` of `ref` on `host` (its engine, its cache); with
 * `seedSeconds > 0` the process keeps seeding after the load. Each call gets its own log.
 */
export function startHostPull(
  tb: Testbed,
  host: PeerHost,
  registry: Pick<DocketRegistry, 'url'>,
  ref: string,
  opts: { seedSeconds: number; label: string },
): HostPull {
  const name = `docket-pull-${opts.label}-h${host.index}`;
  const proc = tb.spawn(
    host,
    name,
    process.execPath,
    docketArgv([
      'pull',
      '--registry',
      registry.url,
      '--seed-time',
      String(opts.seedSeconds),
      '--json-summary',
      // The fault tests check the image by its bare name.
      '--bare-tag',
      '--cache-dir',
      host.cacheDir,
      ref,
    ]),
    docketEnv(tb.path(`h${host.index}`, 'docket'), {
      dockerHost: host.engine.dockerHost,
      cacheDir: host.cacheDir,
    }),
  );
  return { host, proc, log: join(tb.dir, 'logs', `${name.replace(/[^\w.-]+/g, '_')}.log`) };
}

/**
 * Starts `docket seed` on `host` (its cache) and resolves once it seeds: the host's
 * long-running seeder, which a pull hands seeding to (client/services/seeder-handoff.ts).
 */
export async function startHostSeed(tb: Testbed, host: PeerHost, label: string): Promise<Managed> {
  const name = `docket-seed-${label}-h${host.index}`;
  const proc = tb.spawn(
    host,
    name,
    process.execPath,
    docketArgv(['seed', '--json', '--cache-dir', host.cacheDir]),
    docketEnv(tb.path(`h${host.index}`, 'docket'), {
      dockerHost: host.engine.dockerHost,
      cacheDir: host.cacheDir,
    }),
  );
  await proc.waitForLine(/"kind":"listening"/, 60_000);
  return proc;
}

/** Resolves with the pull's JSON summary bytes once the image is loaded. */
export async function pullDone(pull: HostPull, timeoutMs: number): Promise<PullSummaryBytes> {
  try {
    const { line } = await pull.proc.waitForLine(/^\{.*"bytes"/, timeoutMs);
    return (JSON.parse(line) as { bytes: PullSummaryBytes }).bytes;
  } catch (err) {
    // The log goes with the test bed's directory: say here what the pull printed.
    throw new Error(`${(err as Error).message}\n${logTail(pull).join('\n')}`);
  }
}

/** The `docket: ...` lines the pull printed on stderr (errors and warnings). */
export function docketLines(pull: HostPull): string[] {
  return readFileSync(pull.log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('docket: '));
}

/** The last lines of the pull's log that are not its JSON summary (a stack, say). */
function logTail(pull: HostPull, lines = 20): string[] {
  return readFileSync(pull.log, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('{'))
    .slice(-lines);
}

/**
 * Waits until `host` received at least `bytes` more than `from` on its interface: a
 * download under way, seen from outside the process. Bounded; polls every 50 ms.
 */
export async function waitForRx(
  tb: Testbed,
  host: PeerHost,
  from: number,
  bytes: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await tb.counters(host)).rxBytes - from >= bytes) return;
    await delay(50);
  }
  throw new Error(`h${host.index} did not receive ${bytes} bytes within ${timeoutMs} ms`);
}
