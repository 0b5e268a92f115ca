import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
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

  it('refuses a bad DOCKET_* variable as a usage error naming it', async () => {
    const result = await runCli(['registry'], {
      env: { DOCKET_PORT: 'abc' },
      timeoutMs: 30_000,
    });
    expect(result.exitCode).toBe(ExitCode.usage);
    expect(result.stderr).toContain('DOCKET_PORT must be a port number');
  });

  it('lists every DOCKET_* variable of the key table in its help', async () => {
    const result = await runCli(['registry', '--help'], { timeoutMs: 30_000 });
    for (const name of [
      'DOCKET_DATA_DIR',
      'DOCKET_PORT',
      'DOCKET_TRACKER_URLS',
      'DOCKET_EMBEDDED_TRACKER',
      'DOCKET_MAX_UPLOAD_BYTES',
      'DOCKET_REGISTRY_CONFIG',
    ])
      expect(result.stdout).toContain(name);
  });
});

describe('flag values of the other commands', () => {
  it.each([
    [['tracker', '--port', '70000'], '--port must be a port number'],
    [['tracker', '--udp-port', 'x'], '--udp-port must be a port number'],
    [['tracker', '--interval', '0'], '--interval must be seconds > 0'],
    [['seed', '--torrent-port', 'abc'], '--torrent-port must be a port number'],
    [['seed', '--rescan=-1'], '--rescan must be seconds > 0'],
    [['pull', '--seed-time', 'soon', 'a:b'], '--seed-time must be seconds >= 0'],
    [['pull', '--cache-size', '3Q', 'a:b'], '--cache-size must be a size like 10G'],
  ])('docket %j is a usage error naming the flag', async (args, message) => {
    const result = await runCli(args, {
      env: { DOCKET_REGISTRY: 'http://127.0.0.1:9' },
      timeoutMs: 30_000,
    });
    expect(result.exitCode).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
  });
});
