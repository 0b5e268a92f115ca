import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { DOCKET_BIN } from '../testbed/docket.js';
import { startRegistryProcess } from './registry-process.js';
import { median } from './stats.js';
import { buildTestImage } from '../testbed/images.js';
import { reapedChildrenCpu } from '../testbed/procfs.js';

/**
 * `npm run bench:startup -- [--runs N] [--no-pull] [LABEL=CLI_MODULE ...]`: what docket's
 * short commands cost, mostly Node starting and loading modules. Times `docket version`,
 * `docket --help`, `docket images --json` against a registry it starts (a real `docket
 * registry` on port 0, temp data dir) and, when DOCKER_HOST names an engine, an update pull
 * (the engine has v1; v2 adds one 4 KB layer; a fresh blob cache each run). Reports the
 * median wall and CPU ms (the child's own rusage) of N runs per command and entry.
 * Entries: `bin` (bin/docket.js) always, plus any LABEL=path of a module exporting the
 * CLI's `main`, run interleaved with the bin so both see the same machine load. An older
 * build, for a before/after: copy its dist/ and package.json into a folder (e.g.
 * .tmp/before/) and pass `before=.tmp/before/dist/cli/main.js`.
 */

const USAGE =
  'usage: node dist/bench/startup.js [--runs N (1..50, default 11)] [--no-pull] [LABEL=CLI_MODULE ...]';
const RUN_TIMEOUT_MS = 60_000;

interface Entry {
  label: string;
  /** argv after the node binary, before the docket arguments. */
  argv: string[];
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

interface Scenario {
  name: string;
  args: string[];
  /** Runs before every sample, not timed (e.g. removing what the last pull loaded). */
  reset?: () => Promise<void>;
  /** Runs once at the end (e.g. removing the images it built). */
  cleanup?: () => Promise<void>;
}

/** Runs one CLI process to its end; wall from spawn to exit, CPU from the reaped child's rusage. */
function timeRun(entry: Entry, args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const cpu0 = reapedChildrenCpu();
  const started = performance.now();
  const child = spawn(process.execPath, [...entry.argv, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (code !== 0)
        reject(new Error(`${entry.label} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolvePromise({ wallMs, cpuMs: (reapedChildrenCpu() - cpu0) * 1000 });
    });
  });
}

/** Engine has v1 (one 8 MB layer over the base); the registry has v2 = v1 + a 4 KB layer. */
async function updatePullScenario(
  docker: Docker,
  bin: Entry,
  env: NodeJS.ProcessEnv,
  registryUrl: string,
  cacheRoot: string,
): Promise<Scenario> {
  const repo = `docket-bench/startup-${process.pid}`;
  const base = { file: 'app.bin', size: 8_000_000, seed: 'bench-startup-app' };
  await buildTestImage(docker, `${repo}:v1`, [base]);
  await buildTestImage(docker, `${repo}:v2`, [
    base,
    { file: 'release.txt', size: 4096, seed: `bench-startup-${Date.now()}` },
  ]);
  for (const tag of ['v1', 'v2']) await timeRun(bin, ['push', `${repo}:${tag}`], env);
  // The local v2 would hold the new layer: only v1 stays, as on a host running the old version.
  await docker.getImage(`${repo}:v2`).remove({ force: true });
  const pulled = `${new URL(registryUrl).host}/${repo}:v2`;
  let n = 0;
  return {
    name: 'pull (update: +4 KB layer)',
    args: ['pull', '--seed-time', '0', pulled],
    reset: async () => {
      await docker
        .getImage(pulled)
        .remove({ force: true })
        .catch(() => undefined);
      // A fresh blob cache each run: the new layer comes from the registry every time.
      env.DOCKET_CACHE_DIR = join(cacheRoot, `cache-${n++}`);
    },
    cleanup: async () => {
      for (const ref of [`${repo}:v1`, pulled])
        await docker
          .getImage(ref)
          .remove({ force: true })
          .catch(() => undefined);
    },
  };
}

function parseArgs(argv: string[]): { runs: number; pull: boolean; modules: Map<string, string> } {
  let runs = 11;
  let pull = true;
  const modules = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    if (arg === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(USAGE);
    } else if (arg === '--no-pull') pull = false;
    else if (eq > 0) modules.set(arg.slice(0, eq), resolve(arg.slice(eq + 1)));
    else throw new Error(USAGE);
  }
  return { runs, pull, modules };
}

/** A script like bin/docket.js for a module exporting the CLI's `main`. */
async function writeRunner(dir: string, label: string, cliModule: string): Promise<Entry> {
  const path = join(dir, `run-${label}.mjs`);
  const url = JSON.stringify(pathToFileURL(cliModule).href);
  await writeFile(
    path,
    `const { main } = await import(${url});\nprocess.exitCode = await main(process.argv.slice(2));\n`,
  );
  return { label, argv: [path] };
}

async function main(argv: string[]): Promise<number> {
  const { runs, pull, modules } = parseArgs(argv);
  const dir = await mkdtemp(join(tmpdir(), 'docket-bench-startup-'));
  const bin: Entry = { label: 'bin', argv: [DOCKET_BIN] };
  const entries = [bin];
  for (const [label, path] of modules) entries.push(await writeRunner(dir, label, path));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    DOCKET_CONFIG: join(dir, 'config.json'),
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
  };
  await writeFile(env.DOCKET_CONFIG as string, '{}\n');
  const registry = await startRegistryProcess(join(dir, 'registry'), env);
  env.DOCKET_REGISTRY = registry.url;
  env.DOCKET_TOKEN = registry.token;
  const scenarios: Scenario[] = [];
  try {
    scenarios.push(
      { name: 'version', args: ['version'] },
      { name: '--help', args: ['--help'] },
      { name: 'images --json', args: ['images', '--json'] },
    );
    if (pull && process.env.DOCKER_HOST) {
      scenarios.push(await updatePullScenario(new Docker(), bin, env, registry.url, dir));
    }
    const rows: string[] = [];
    for (const s of scenarios) {
      const samples = new Map<string, Sample[]>(entries.map((e) => [e.label, []]));
      for (let i = 0; i < runs; i++) {
        for (const e of entries) {
          await s.reset?.();
          samples.get(e.label)?.push(await timeRun(e, s.args, env));
        }
      }
      for (const e of entries) {
        const list = samples.get(e.label) as Sample[];
        const wall = median(list.map((x) => x.wallMs)).toFixed(0);
        const cpu = median(list.map((x) => x.cpuMs)).toFixed(0);
        rows.push(
          `${s.name.padEnd(28)} ${e.label.padEnd(10)} ${wall.padStart(7)} ${cpu.padStart(7)}`,
        );
      }
    }
    process.stdout.write(
      `node ${process.version}, median of ${runs} runs\n${'command'.padEnd(28)} ${'entry'.padEnd(10)} ${'wall ms'.padStart(7)} ${'cpu ms'.padStart(7)}\n${rows.join('\n')}\n`,
    );
    return 0;
  } finally {
    for (const s of scenarios) await s.cleanup?.();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
