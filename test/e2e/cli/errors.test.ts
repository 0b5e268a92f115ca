import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli, startCli } from '../../helpers/run-cli.js';
import { closedPort, hasImage, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();

/** One line on stderr, no stack trace. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('docket CLI failures: one line on stderr, a distinct exit code', () => {
  let registry: TestRegistry;
  let env: Record<string, string>;
  const created: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    await buildTestImage(docker, 'cli-test/err:v1', [
      { file: 'e.bin', size: 500_000, seed: 'cli-err-1' },
    ]);
    await buildTestImage(docker, 'cli-test/err:big', [
      { file: 'big.bin', size: 40_000_000, seed: 'cli-err-big' },
    ]);
    created.push('cli-test/err:v1', 'cli-test/err:big');
    created.push(`${registry.host}/cli-test/err:v1`, `${registry.host}/cli-test/err:big`);
  });

  afterAll(async () => {
    await removeImages(docker, created);
    await registry?.close();
  });

  it('a bad reference is a usage error (2)', async () => {
    const r = await runCli(['push', 'Bad/Name:v1'], { env });
    expect(r.exitCode).toBe(ExitCode.usage);
    expectOneLine(r.stderr, /invalid reference/);
    expect((await runCli(['pull', '--frobnicate', 'a:b'], { env })).exitCode).toBe(ExitCode.usage);
  });

  it('no registry named anywhere is a configuration error (11)', async () => {
    const r = await runCli(['images']);
    expect(r.exitCode).toBe(ExitCode.config);
    expectOneLine(r.stderr, /no registry/);
  });

  it('an image missing from the engine (push) or the registry (pull) is not found (3)', async () => {
    const push = await runCli(['push', 'cli-test/err:absent'], { env });
    expect(push.exitCode).toBe(ExitCode.notFound);
    expectOneLine(push.stderr, /no such image in the Docker engine: cli-test\/err:absent/);
    const pull = await runCli(['pull', '--seed-time', '0', 'cli-test/err:absent'], { env });
    expect(pull.exitCode).toBe(ExitCode.notFound);
    expectOneLine(pull.stderr, /unknown/);
  });

  it('a wrong token is unauthorized (4), for push and for login', async () => {
    const push = await runCli(['push', 'cli-test/err:v1'], {
      env: { ...env, DOCKET_TOKEN: 'wrong' },
    });
    expect(push.exitCode).toBe(ExitCode.unauthorized);
    expectOneLine(push.stderr, /token/);
    const login = await runCli(['login', '--registry', registry.url, '--token', 'wrong']);
    expect(login.exitCode).toBe(ExitCode.unauthorized);
  });

  it('a registry that is down is unreachable (5)', async () => {
    const r = await runCli(['images', '--registry', `http://127.0.0.1:${await closedPort()}`]);
    expect(r.exitCode).toBe(ExitCode.registryUnreachable);
    expectOneLine(r.stderr, /unreachable \(ECONNREFUSED\)/);
  });

  it('no Docker engine is its own failure (6)', async () => {
    const r = await runCli(['push', 'cli-test/err:v1'], {
      env: { ...env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.exitCode).toBe(ExitCode.engineUnreachable);
    expectOneLine(r.stderr, /Docker engine unreachable at unix:\/\/\/nonexistent\/docker\.sock/);
  });

  it('an https:// URL for a plain-HTTP registry says to try http:// (5)', async () => {
    const r = await runCli(['images', '--registry', registry.url.replace('http:', 'https:')]);
    expect(r.exitCode).toBe(ExitCode.registryUnreachable);
    expectOneLine(r.stderr, new RegExp(`try http://${registry.host.replace(/\./g, '\\.')}`));
  });

  it('a reader that goes away (EPIPE) stops the CLI quietly, no stack', async () => {
    const r = await runCli(['images', '--json'], {
      env,
      onSpawn: (child) => child.stdout?.destroy(),
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(ExitCode.brokenPipe);
  });

  it('login checks the token with a write, stores it; logout removes it', async () => {
    const dir = await tempCacheDir();
    const config = join(dir, 'config.json');
    const login = await runCli(['login', '--registry', registry.url, '--token-stdin'], {
      env: { DOCKET_CONFIG: config },
      stdin: `${registry.token}\n`,
    });
    expect(login.exitCode, login.stderr).toBe(0);
    const stored = JSON.parse(await readFile(config, 'utf8'));
    expect(stored).toEqual({
      registry: registry.url,
      auths: { [registry.url]: { token: registry.token } },
    });
    // The stored registry and token serve the next commands without flags or env.
    const push = await runCli(['push', '-q', 'cli-test/err:v1'], {
      env: { DOCKET_CONFIG: config },
    });
    expect(push.exitCode, push.stderr).toBe(0);
    expect(login.stdout).toContain(`${registry.url} is now the default registry`);
    const logout = await runCli(['logout'], { env: { DOCKET_CONFIG: config } });
    expect(logout.exitCode).toBe(0);
    expect(logout.stdout).toContain(`${registry.url} is no longer the default registry`);
    // The token and the default go: the next command must name a registry again.
    expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({ auths: {} });
    const again = await runCli(['push', 'cli-test/err:v1'], { env: { DOCKET_CONFIG: config } });
    expect(again.exitCode).toBe(ExitCode.config);
    const named = await runCli(['push', '--registry', registry.url, 'cli-test/err:v1'], {
      env: { DOCKET_CONFIG: config },
    });
    expect(named.exitCode).toBe(ExitCode.unauthorized);
  });

  it('a config blob corrupted on the registry disk fails the pull with a digest error (7), nothing loaded', async () => {
    const pushed = await runCli(['push', '-q', 'cli-test/err:v1'], { env });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    await removeImages(docker, ['cli-test/err:v1', `${registry.host}/cli-test/err:v1`]);
    const manifest = (await fetch(`${registry.url}/v2/cli-test/err/manifests/v1`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    }).then((r) => r.json())) as { config: { digest: string } };
    const hex = manifest.config.digest.slice('sha256:'.length);
    const file = join(registry.dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)] = 0x20 ^ (bytes[Math.floor(bytes.length / 2)] ?? 0);
    await writeFile(file, bytes);
    const r = await runCli(
      ['pull', '--seed-time', '0', '--cache-dir', await tempCacheDir(), 'cli-test/err:v1'],
      { env },
    );
    expect(r.exitCode, r.stderr).toBe(ExitCode.integrity);
    expectOneLine(r.stderr, /digest mismatch/);
    expect(await hasImage(docker, `${registry.host}/cli-test/err:v1`)).toBe(false);
  });

  it('Ctrl-C during a pull leaves no tagged image (130); the next pull completes', async () => {
    const pushed = await runCli(['push', '-q', 'cli-test/err:big'], { env });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    await removeImages(docker, ['cli-test/err:big', `${registry.host}/cli-test/err:big`]);
    const cacheDir = await tempCacheDir();
    const args = ['pull', '--seed-time', '0', '--json-summary', '--cache-dir', cacheDir];
    const first = startCli([...args, 'cli-test/err:big'], { env });
    await first.waitForStderr(/\/40MB/, 60_000);
    first.child.kill('SIGINT');
    const stopped = await first.result;
    expect(stopped.exitCode, stopped.stderr).toBe(ExitCode.interrupted);
    expectOneLine(stopped.stderr.replace(/^[0-9a-f]{12} .*\n/gm, ''), /interrupted/);
    expect(await hasImage(docker, `${registry.host}/cli-test/err:big`)).toBe(false);
    const second = await runCli([...args, 'cli-test/err:big'], { env });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(await hasImage(docker, `${registry.host}/cli-test/err:big`)).toBe(true);
  });
});
