import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
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

  it.each([
    [{ embeddedTracker: 'maybe' }, 'embeddedTracker must be true or false, not "maybe"'],
    [{ prot: 5000 }, 'unknown key "prot"'],
  ])(
    'refuses a bad config file (%j) as a usage error naming the file and the key',
    async (doc, message) => {
      const dir = await mkdtemp(join(tmpdir(), 'registry-test-cli-'));
      dirs.push(dir);
      const file = join(dir, 'registry.json');
      await writeFile(file, JSON.stringify(doc));
      const result = await runCli(['registry', '--data-dir', dir], {
        env: { DOCKET_REGISTRY_CONFIG: file },
        timeoutMs: 30_000,
      });
      expect(result.exitCode, result.stderr).toBe(ExitCode.usage);
      expect(result.stderr).toContain(`config file ${file}: ${message}`);
    },
  );

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
    [['tracker', '--interval', '0'], '--interval must be a duration > 0'],
    [['seed', '--torrent-port', 'abc'], '--torrent-port must be a port number'],
    [['seed', '--rescan=-1'], '--rescan must be a duration > 0'],
    [['pull', '--seed-time', 'soon', 'a:b'], '--seed-time must be a duration >= 0'],
    [['gc', '--grace', '1w'], '--grace must be a duration >= 0'],
    [['registry', '--gc-interval', '1w'], '--gc-interval must be a duration >= 0'],
    [['seed', '--cache-size', '3Q'], '--cache-size must be a size like 10G'],
    [['pull', '--cache-size', '3Q', 'a:b'], '--cache-size must be a size like 10G'],
    [
      ['pull', '--max-download-rate', '50MB', 'a:b'],
      '--max-download-rate must be bytes per second',
    ],
    [['pull', '--max-upload-rate', '50', 'a:b'], '--max-upload-rate must be bytes per second'],
    [['agent', '--max-download-rate', 'fast'], '--max-download-rate must be bytes per second'],
    [['seed', '--max-upload-rate', '5T'], '--max-upload-rate must be bytes per second'],
    [['registry', '--max-upload-rate', 'lots'], '--max-upload-rate must be bytes per second'],
  ])('docket %j is a usage error naming the flag', async (args, message) => {
    const result = await runCli(args, {
      env: { DOCKET_REGISTRY: 'http://127.0.0.1:9' },
      timeoutMs: 30_000,
    });
    expect(result.exitCode).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
  });
});

describe('the blob cache limit', () => {
  it('is DOCKET_CACHE_SIZE in `docket cache` as in pull, seed and agent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cache-test-cli-'));
    try {
      const result = await runCli(['cache', 'ls', '--json'], {
        env: { DOCKET_CACHE_DIR: dir, DOCKET_CACHE_SIZE: '5G' },
        timeoutMs: 30_000,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ dir, maxBytes: 5 * 1024 ** 3 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
