import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningCli, startCli } from './run-cli.js';

export interface RegistryProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  token: string;
  cli: RunningCli;
  /** kill -9, then waits for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, then waits for the exit (bounded by run-cli's timeout). */
  stop(): Promise<void>;
}

/**
 * `docket registry` (from dist/) as its own process on 127.0.0.1, on `port` (0: a free
 * one) with its data in `dataDir`, so a test can kill it; resolves once it logged that it
 * listens.
 */
export async function startRegistryProcess(dataDir: string, port = 0): Promise<RegistryProcess> {
  const cli = startCli(
    ['registry', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)],
    { timeoutMs: 300_000 },
  );
  const out = await cli.waitForStdout(/"msg":"registry listening"/, 30_000);
  const line = out.split('\n').find((l) => l.includes('"msg":"registry listening"')) as string;
  const url = (JSON.parse(line) as { url: string }).url.replace(/\/$/, '');
  const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  const exited = async () => {
    await cli.result;
  };
  return {
    url,
    port: Number(new URL(url).port),
    token,
    cli,
    kill9: () => {
      cli.child.kill('SIGKILL');
      return exited();
    },
    stop: () => {
      cli.child.kill('SIGTERM');
      return exited();
    },
  };
}
