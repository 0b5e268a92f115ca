import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
  onSpawn?(child: import('node:child_process').ChildProcess): void;
}

/**
 * Runs `node bin/docket.js ...args` from the compiled output (build first:
 * `npx tsc -p tsconfig.build.json`). The CLI never sees the test's own config: without
 * an explicit DOCKET_CONFIG it gets a fresh temp one.
 */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    DOCKET_CONFIG: join(mkdtempSync(join(tmpdir(), 'docket-cli-config-')), 'config.json'),
  };
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
    opts.onSpawn?.(child);
  });
}
