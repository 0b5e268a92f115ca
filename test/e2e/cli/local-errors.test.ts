import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import { runCli } from '../../helpers/run-cli.js';
import { closedPort } from './cli-env.js';

/** One line on stderr naming `what`, no stack trace. */
function expectOneLine(stderr: string, what: string, why: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toContain(what);
  expect(lines[0]).toMatch(why);
}

describe('docket: paths and ports the user must fix (11), one line each', () => {
  let dir: string;
  let readOnly: string;
  let busy: Server;
  let busyPort: number;
  // No registry is contacted: each command fails before it would be.
  const env = { DOCKET_REGISTRY: 'http://127.0.0.1:1' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-local-errors-'));
    readOnly = join(dir, 'ro');
    execFileSync('mkdir', [readOnly]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]);
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => busy?.close(() => resolve()));
    if (readOnly) execFileSync('umount', [readOnly]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a --cache-dir that is a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const r = await runCli(['pull', '--cache-dir', file, 'app:v1'], { env });
    expect(r.exitCode, r.stderr).toBe(ExitCode.config);
    expectOneLine(r.stderr, file, /not a directory|exists/);
  });

  it('a read-only --cache-dir', async () => {
    const r = await runCli(['pull', '--cache-dir', readOnly, 'app:v1'], { env });
    expect(r.exitCode, r.stderr).toBe(ExitCode.config);
    expectOneLine(r.stderr, readOnly, /read-only file system \(EROFS\)/);
  });

  it('the registry on a port in use', async () => {
    const r = await runCli(
      [
        'registry',
        '--host',
        '127.0.0.1',
        '--port',
        String(busyPort),
        '--data-dir',
        join(dir, 'data'),
      ],
      { timeoutMs: 30_000 },
    );
    expect(r.exitCode, r.stderr).toBe(ExitCode.config);
    expectOneLine(r.stderr, `127.0.0.1:${busyPort}`, /in use \(EADDRINUSE\).*--port/);
  });

  it('the registry on a read-only data dir', async () => {
    const r = await runCli(
      [
        'registry',
        '--host',
        '127.0.0.1',
        '--port',
        String(await closedPort()),
        '--data-dir',
        readOnly,
      ],
      { timeoutMs: 30_000 },
    );
    expect(r.exitCode, r.stderr).toBe(ExitCode.config);
    expectOneLine(r.stderr, readOnly, /read-only file system \(EROFS\)/);
  });
});
