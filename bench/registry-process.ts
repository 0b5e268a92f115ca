import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOCKET_BIN } from '../testbed/docket.js';

/** A `docket registry` process the loopback benchmarks start for themselves. */
export interface RegistryProcess {
  url: string;
  /** The admin token it wrote into its data dir. */
  token: string;
  process: ChildProcess;
  /** SIGINT, then waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `docket registry` on 127.0.0.1, port 0, in `dataDir` with `flags`, and resolves
 * once its start-up banner names the URL (rejects after 30 s or when it exits first).
 */
export async function startRegistryProcess(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  flags: string[] = [],
): Promise<RegistryProcess> {
  const child = spawn(
    process.execPath,
    [DOCKET_BIN, 'registry', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...flags],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${stderr}`)), 30_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m?.[1] && /log in with/.test(stderr)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`registry exited: ${stderr}`));
    });
  });
  const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  return {
    url,
    token,
    process: child,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}
