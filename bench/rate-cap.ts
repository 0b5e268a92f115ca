import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { formatRate, rateIn } from '../lib/rate.js';
import { removeImage } from '../testbed/bench-image.js';
import { DOCKET_BIN } from '../testbed/docket.js';
import { type RegistryProcess, startRegistryProcess } from './registry-process.js';
import { median } from './stats.js';
import { buildTestImage, ensureBaseImage } from '../testbed/images.js';
import { reapedChildrenCpu, treeCpuSeconds } from '../testbed/procfs.js';

/**
 * Bandwidth caps on loopback (`node dist/bench/rate-cap.js`, and a phase of `npm run bench`):
 * 1. one `docket registry` and one `docket pull --max-download-rate CAP`;
 * 2. a `docket registry --max-upload-rate CAP` and an uncapped `docket pull`.
 * Each prints the average rate over the transfer, measured from outside the pull: its blob
 * cache is sampled every SAMPLE_MS, and the rate is the bytes written between the first
 * and the last sample that saw bytes arrive, over that time (manifests, start-up and the
 * engine's load of the last layer are not in it). The target is within 10 % of the cap.
 * 3. the CPU (user + system: the pull process and the registry) of uncapped pulls: the
 * flag absent (the code path when off), `--max-download-rate 0`, and a cap the loopback
 * never reaches (the throttle on, never waiting); runs interleaved, medians printed.
 * Pulls use --no-engine-pull: the engine gets layers over its socket, wherever it runs.
 */

const SAMPLE_MS = 50;
const PULL_TIMEOUT_MS = 600_000;
/** A cap loopback never reaches: the throttle is on the path and never waits. */
const UNREACHED_CAP = '100G';

export interface RateCapOptions {
  dockerHost: string;
  /** Bytes per second. */
  cap: number;
  imageBytes: number;
  layers: number;
  /** Uncapped pulls of each kind, interleaved, for the CPU figures. */
  cpuRuns: number;
  log(message: string): void;
}

export interface CappedTransfer {
  bytes: number;
  seconds: number;
  /** Bytes per second over the transfer. */
  rate: number;
  /** rate / cap. */
  ratio: number;
  pullSeconds: number;
}

export interface RateCapResult {
  cap: number;
  imageBytes: number;
  pullerCapped: CappedTransfer;
  registryCapped: CappedTransfer;
  /** CPU seconds of each uncapped pull (client + registry), by how the cap was left off. */
  cpu: { absent: number[]; zero: number[]; unreached: number[] };
}

interface PullRun {
  wallSeconds: number;
  cpu: number;
  /** [ms since start, bytes in the cache]. */
  samples: Array<[number, number]>;
}

export async function rateCapBench(opts: RateCapOptions): Promise<RateCapResult> {
  const dir = await mkdtemp(join(tmpdir(), 'docket-bench-rate-cap-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    TMPDIR: dir,
    DOCKET_CONFIG: join(dir, 'config.json'),
    DOCKER_HOST: opts.dockerHost,
  };
  await writeFile(env.DOCKET_CONFIG as string, '{}\n');
  const docker = new Docker(dockerodeOptions(opts.dockerHost));
  const repo = `docket-bench/rate-cap-${process.pid}`;
  const ref = `${repo}:v1`;
  const registries: RegistryProcess[] = [];
  try {
    const layerBytes = Math.ceil(opts.imageBytes / opts.layers);
    await ensureBaseImage(docker);
    opts.log(`rate cap: building ${opts.imageBytes / 1e6} MB image (${opts.layers} layers)`);
    await buildTestImage(
      docker,
      ref,
      Array.from({ length: opts.layers }, (_, i) => ({
        file: `layer-${i}.bin`,
        size: layerBytes,
        seed: `rate-cap-${process.pid}-${i}`,
      })),
    );
    const quiet = { ...env, DOCKET_LOG_LEVEL: 'warn' };
    const open = await startRegistryProcess(join(dir, 'open'), quiet);
    registries.push(open);
    const capped = await startRegistryProcess(join(dir, 'capped'), quiet, [
      '--max-upload-rate',
      String(opts.cap),
    ]);
    registries.push(capped);
    for (const registry of [open, capped])
      await runToEnd(['push', '--registry', registry.url, ref], {
        ...env,
        DOCKET_TOKEN: registry.token,
      });
    await removeImage(docker, ref);
    let pulls = 0;
    const pull = async (registry: RegistryProcess, flags: string[]): Promise<PullRun> => {
      const cacheDir = join(dir, `cache-${pulls++}`);
      const registryCpu0 = treeCpuSeconds(registry.process.pid as number);
      const run = await pullSampled(
        [
          'pull',
          '--registry',
          registry.url,
          '--seed-time',
          '0',
          '--no-engine-pull',
          '-q',
          ...flags,
          ref,
        ],
        { ...env, DOCKET_CACHE_DIR: cacheDir, DOCKET_TOKEN: registry.token },
        cacheDir,
      );
      run.cpu += treeCpuSeconds(registry.process.pid as number) - registryCpu0;
      await removeImage(docker, `${new URL(registry.url).host}/${ref}`);
      await rm(cacheDir, { recursive: true, force: true });
      return run;
    };
    const capText = formatRate(opts.cap);
    opts.log(`rate cap: docket pull --max-download-rate ${capText}`);
    const pullerCapped = transfer(await pull(open, ['--max-download-rate', capText]), opts.cap);
    opts.log(`rate cap: docket registry --max-upload-rate ${capText}, uncapped pull`);
    const registryCapped = transfer(await pull(capped, []), opts.cap);
    const cpu: RateCapResult['cpu'] = { absent: [], zero: [], unreached: [] };
    opts.log(`rate cap: CPU of uncapped pulls, ${opts.cpuRuns} of each, interleaved`);
    for (let i = 0; i < opts.cpuRuns; i++) {
      cpu.absent.push((await pull(open, [])).cpu);
      cpu.zero.push((await pull(open, ['--max-download-rate', '0'])).cpu);
      cpu.unreached.push((await pull(open, ['--max-download-rate', UNREACHED_CAP])).cpu);
    }
    return { cap: opts.cap, imageBytes: opts.imageBytes, pullerCapped, registryCapped, cpu };
  } finally {
    for (const registry of registries) await registry.stop();
    await removeImage(docker, ref).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rate between the first and the last sample that saw the cache grow. */
function transfer(run: PullRun, cap: number): CappedTransfer {
  const { samples } = run;
  const start = samples.findIndex(([, bytes], i) => i > 0 && bytes > (samples[i - 1]?.[1] ?? 0));
  let end = samples.length - 1;
  while (end > 0 && (samples[end]?.[1] ?? 0) <= (samples[end - 1]?.[1] ?? 0)) end--;
  const from = samples[Math.max(0, start - 1)] ?? [0, 0];
  const to = samples[end] ?? from;
  const bytes = to[1] - from[1];
  const seconds = (to[0] - from[0]) / 1000;
  const rate = seconds > 0 ? bytes / seconds : 0;
  return { bytes, seconds, rate, ratio: rate / cap, pullSeconds: run.wallSeconds };
}

export function formatRateCap(r: RateCapResult): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const row = (label: string, t: CappedTransfer) =>
    `  ${label.padEnd(34)} ${mb(t.bytes).padStart(7)} MB in ${t.seconds.toFixed(2).padStart(6)} s = ` +
    `${mb(t.rate).padStart(6)} MB/s, ${(t.ratio * 100).toFixed(1)} % of the cap ` +
    `(${Math.abs(t.ratio - 1) <= 0.1 ? 'within' : 'NOT within'} 10 %; whole pull ${t.pullSeconds.toFixed(1)} s)`;
  const med = (xs: number[]) => median(xs).toFixed(2);
  const all = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  return [
    `bandwidth caps (loopback, ${mb(r.imageBytes)} MB image, cap ${formatRate(r.cap)} = ${mb(r.cap)} MB/s):`,
    row('pull --max-download-rate', r.pullerCapped),
    row('registry --max-upload-rate', r.registryCapped),
    'CPU s of an uncapped pull (pull + registry), median [runs]:',
    `  flag absent (off)                  ${med(r.cpu.absent)} [${all(r.cpu.absent)}]`,
    `  --max-download-rate 0 (off)        ${med(r.cpu.zero)} [${all(r.cpu.zero)}]`,
    `  --max-download-rate ${UNREACHED_CAP.padEnd(14)} ${med(r.cpu.unreached)} [${all(r.cpu.unreached)}] (throttle on, never waiting)`,
  ].join('\n');
}

/** Bytes on disk under `dir` (allocated blocks: a sparse file counts what was written). */
async function diskBytes(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const name of names) {
    try {
      const s = await stat(join(dir, name));
      if (s.isFile()) total += s.blocks * 512;
    } catch {
      // Renamed or removed between readdir and stat.
    }
  }
  return total;
}

/** Runs a docket pull to its end, sampling the bytes in its blob cache meanwhile. */
async function pullSampled(
  args: string[],
  env: NodeJS.ProcessEnv,
  cacheDir: string,
): Promise<PullRun> {
  const samples: Array<[number, number]> = [];
  const started = performance.now();
  let running = true;
  const sampling = (async () => {
    while (running) {
      samples.push([performance.now() - started, await diskBytes(cacheDir)]);
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  const cpu0 = reapedChildrenCpu();
  try {
    await runToEnd(args, env);
  } finally {
    running = false;
    await sampling;
  }
  samples.push([performance.now() - started, await diskBytes(cacheDir)]);
  return {
    wallSeconds: (performance.now() - started) / 1000,
    cpu: reapedChildrenCpu() - cpu0,
    samples,
  };
}

function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [DOCKET_BIN, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), PULL_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`docket ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

function dockerodeOptions(dockerHost: string): Docker.DockerOptions {
  return dockerHost.startsWith('unix://') ? { socketPath: dockerHost.slice('unix://'.length) } : {};
}

const USAGE = `usage: node dist/bench/rate-cap.js [--cap 20M] [--size-mb 150] [--layers 3] [--runs 3]
  needs DOCKER_HOST (a unix socket): the engine the pulls load into`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cap: { type: 'string', default: '20M' },
      'size-mb': { type: 'string', default: '150' },
      layers: { type: 'string', default: '3' },
      runs: { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const cap = rateIn(values.cap);
  const sizeMb = Number(values['size-mb']);
  const layers = Number(values.layers);
  const runs = Number(values.runs);
  const dockerHost = process.env.DOCKER_HOST;
  if (
    values.help ||
    !cap ||
    !(sizeMb > 0) ||
    !Number.isInteger(layers) ||
    layers < 1 ||
    !Number.isInteger(runs) ||
    runs < 1 ||
    !dockerHost?.startsWith('unix://')
  ) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const result = await rateCapBench({
    dockerHost,
    cap,
    imageBytes: Math.round(sizeMb * 1e6),
    layers,
    cpuRuns: runs,
    log: (m) => process.stderr.write(`bench: ${m}\n`),
  });
  process.stdout.write(`${formatRateCap(result)}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
