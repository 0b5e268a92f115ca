import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetHost } from './network.js';
import type { Managed } from './processes.js';
import { reapedChildrenCpu } from './procfs.js';
import type { Testbed } from './testbed.js';

/** The docket CLI as built by `npm run build` (from bench/ and from dist/bench/ alike). */
export const DOCKET_BIN = join(packageRoot(), 'bin', 'docket.js');

/** argv after the node binary: node flags (e.g. --cpu-prof, not allowed in NODE_OPTIONS), CLI, args. */
export function docketArgv(args: string[], nodeArgs: string[] = []): string[] {
  return [...nodeArgs, DOCKET_BIN, ...args];
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  return dir;
}

export interface DocketRegistry {
  /** URL every host of the test bed reaches it at (also its --public-url). */
  url: string;
  loopbackUrl: string;
  /** Admin token (written by the registry into its data directory at first start). */
  token: string;
  dataDir: string;
  process: Managed;
}

/** Starts `docket registry` in `host`'s namespace, listening on every address there. */
export async function startDocketRegistry(
  tb: Testbed,
  host: NetHost,
  port: number,
  nodeArgs: string[] = [],
): Promise<DocketRegistry> {
  const dataDir = tb.path('docket-registry');
  const url = `http://${host.ip}:${port}`;
  const proc = tb.spawn(
    host,
    'docket-registry',
    process.execPath,
    docketArgv(
      [
        'registry',
        '--data-dir',
        dataDir,
        '--host',
        '0.0.0.0',
        '--port',
        String(port),
        '--public-url',
        url,
      ],
      nodeArgs,
    ),
  );
  await tb.waitForHttp(host, `http://127.0.0.1:${port}/v2/`, 30_000, proc);
  const token = (await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim();
  return { url, loopbackUrl: `http://127.0.0.1:${port}`, token, dataDir, process: proc };
}

/** Where `docket registry` keeps its admin token, relative to its data directory. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** Environment for a docket CLI process: its engine, token, and files under `dir` only. */
export function docketEnv(
  dir: string,
  opts: { dockerHost: string; token?: string; cacheDir?: string },
): NodeJS.ProcessEnv {
  return {
    DOCKER_HOST: opts.dockerHost,
    DOCKET_CONFIG: join(dir, 'docket-config.json'),
    DOCKET_CACHE_DIR: opts.cacheDir ?? join(dir, 'cache'),
    XDG_CACHE_HOME: join(dir, 'xdg-cache'),
    TMPDIR: dir,
    ...(opts.token ? { DOCKET_TOKEN: opts.token } : {}),
  };
}

/** Runs `docket <args>` in `host`'s namespace to completion; resolves with seconds and CPU. */
export async function runDocket(
  tb: Testbed,
  host: NetHost,
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  nodeArgs: string[] = [],
): Promise<{ seconds: number; cpu: number; stdout: string }> {
  const started = Date.now();
  const cpu0 = reapedChildrenCpu();
  const proc = tb.spawn(host, name, process.execPath, docketArgv(args, nodeArgs), env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const exit = await Promise.race([proc.exited, timeout]);
  clearTimeout(timer);
  if (!exit) {
    await tb.processes.stop(proc);
    throw new Error(`docket ${args.join(' ')}: no exit within ${timeoutMs} ms`);
  }
  if (exit.code !== 0)
    throw new Error(`docket ${args.join(' ')} exited ${exit.code ?? exit.signal}`);
  return {
    seconds: (Date.now() - started) / 1000,
    cpu: reapedChildrenCpu() - cpu0,
    stdout: proc.stdout(),
  };
}
