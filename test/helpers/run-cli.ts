import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/docket.js', import.meta.url).pathname;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Added to a minimal environment (PATH, HOME, DOCKER_HOST, and a temp DOCKET_CONFIG). */
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Kill the CLI after this long (default 120 s); the result then has exitCode -1. */
  timeoutMs?: number;
  /** Called with the child once spawned (e.g. to send it SIGINT). */
  onSpawn?(child: ChildProcess): void;
  /** The docket to run: the repository's bin/docket.js unless given (an installed one). */
  bin?: string;
}

/**
 * Runs `node bin/docket.js ...args`: the bundled CLI (build first: `npm run build`, which
 * also bundles it). The CLI never sees the test's own config: without
 * an explicit DOCKET_CONFIG it gets a fresh temp one, removed when the CLI exits.
 */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).result;
}

export interface RunningCli {
  child: ChildProcess;
  result: Promise<CliResult>;
  /** Resolves with stdout so far once `pattern` matches it; rejects after `ms` or on exit. */
  waitForStdout(pattern: RegExp, ms: number): Promise<string>;
  /** The same for stderr. */
  waitForStderr(pattern: RegExp, ms: number): Promise<string>;
}

/** Starts the CLI and returns at once, for commands that keep running (pull --seed-time). */
export function startCli(args: string[], opts: RunCliOptions = {}): RunningCli {
  // A fresh config dir unless the test names one; removed once the CLI has exited.
  const configDir =
    opts.env && 'DOCKET_CONFIG' in opts.env
      ? undefined
      : mkdtempSync(join(tmpdir(), 'docket-cli-config-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    ...(configDir ? { DOCKET_CONFIG: join(configDir, 'config.json') } : {}),
  };
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], { env, stdio: 'pipe' });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out.stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out.stderr += d;
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    const removeConfigDir = () => {
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    };
    child.on('error', (err) => {
      removeConfigDir();
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      removeConfigDir();
      resolve({ exitCode: code ?? -1, ...out });
    });
  });
  child.stdin.end(opts.stdin ?? '');
  opts.onSpawn?.(child);
  const waitFor =
    (stream: 'stdout' | 'stderr') =>
    (pattern: RegExp, ms: number): Promise<string> =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out[stream])) return false;
          done();
          resolve(out[stream]);
          return true;
        };
        const onExit = () => {
          if (check()) return;
          done();
          reject(new Error(`CLI exited before ${stream} matched ${pattern}: ${out.stderr}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${stream} did not match ${pattern} within ${ms} ms: ${out.stderr}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          child[stream].off('data', check);
          child.off('close', onExit);
        };
        if (check()) return;
        child[stream].on('data', check);
        child.on('close', onExit);
      });
  return {
    child,
    result,
    waitForStdout: waitFor('stdout'),
    waitForStderr: waitFor('stderr'),
  };
}

/** A `docket registry` process on 127.0.0.1, port 0, in its own temp data dir. */
export interface RegistryCli {
  process: RunningCli;
  /** Its URL, read from the start-up banner. */
  url: string;
  /** The start-up banner (stderr up to its last line). */
  banner: string;
  dataDir: string;
  /** SIGINT, waits for the exit, removes the data dir. */
  stop(): Promise<void>;
}

/**
 * Starts `docket registry` (the CLI as users run it) and waits for its start-up banner;
 * `extra` adds flags (`--storage s3://...`), variables (`AWS_*`) and another `docket`
 * binary (an installed package).
 */
export async function startRegistryCli(
  dirPrefix: string,
  extra: { bin?: string; args?: string[]; env?: Record<string, string | undefined> } = {},
): Promise<RegistryCli> {
  const dataDir = await mkdtemp(join(tmpdir(), dirPrefix));
  const process = startCli(
    [
      'registry',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...(extra.args ?? []),
    ],
    { env: extra.env, bin: extra.bin },
  );
  let banner: string;
  try {
    // A replica whose database holds another's admin token tells where to copy it instead.
    banner = await process.waitForStderr(/(log in with: |admin-token file to ).*\n/, 30_000);
  } catch (err) {
    process.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1] as string;
  return {
    process,
    url,
    banner,
    dataDir,
    async stop() {
      process.child.kill('SIGINT');
      await process.result;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
