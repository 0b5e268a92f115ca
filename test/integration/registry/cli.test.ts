import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

describe('docket registry', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('serves until SIGINT, then exits 0; the admin token file is 0600', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'registry-test-cli-'));
    dirs.push(dataDir);
    let status: number | undefined;
    const result = await runCli(
      [
        'registry',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--data-dir',
        dataDir,
        '--no-embedded-tracker',
      ],
      {
        timeoutMs: 30_000,
        onSpawn(child) {
          let out = '';
          child.stdout?.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1];
            if (!url || status !== undefined) return;
            status = 0;
            void fetch(`${url}/v2/_catalog`)
              .then((res) => {
                status = res.status;
              })
              .finally(() => child.kill('SIGINT'));
          });
        },
      },
    );
    expect(status).toBe(200);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('registry listening');
    expect((await stat(join(dataDir, 'admin-token'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad flag as a usage error', async () => {
    const result = await runCli(['registry', '--port', 'abc'], { timeoutMs: 30_000 });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('--port');
  });
});
