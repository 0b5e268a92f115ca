import { execFile } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedToken } from '../../../lib/api/index.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { removeImages } from './cli-env.js';

const docker = new Docker();

/**
 * The real docker CLI and engine against a private registry with a scoped token: `docker
 * login`, then push and pull through /v2/token's access tokens (Distribution's token
 * model: each narrowed to the scope the engine asks for and the token holds).
 */
describe('docker login and push with a push:team/* token', () => {
  let registry: TestRegistry;
  let config: Awaited<ReturnType<typeof tempDir>>;
  let token: string;
  const refs: string[] = [];

  /** The docker CLI on the test engine, with its own config directory (the login). */
  const dockerCli = async (args: string[], stdin?: string, configDir = config.dir) => {
    const child = execFile('docker', ['--config', configDir, ...args], {
      env: { ...process.env, DOCKER_HOST: process.env.DOCKER_HOST ?? '' },
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exitCode = await new Promise<number>((resolve) =>
      child.once('close', (code) => resolve(code ?? -1)),
    );
    return { exitCode, stdout, stderr };
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ authReads: true });
    config = await tempDir();
    const res = await fetch(`${registry.url}/docket/v1/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${registry.token}` },
      body: JSON.stringify({ name: 'ci', scopes: ['push:team/*'] }),
    });
    expect(res.status).toBe(201);
    token = ((await res.json()) as CreatedToken).token;
    await buildTestImage(docker, 'docker-login/src:v1', [
      { file: 'l.bin', size: 200_000, seed: 'docker-login-1' },
    ]);
    refs.push('docker-login/src:v1');
  }, 120_000);
  afterAll(async () => {
    await removeImages(docker, refs);
    await registry?.close();
    await config?.cleanup();
  });

  it('logs in, pushes and pulls team/app, and is denied other/app', async () => {
    const login = await dockerCli(
      ['login', registry.host, '--username', 'ci', '--password-stdin'],
      `${token}\n`,
    );
    expect(login.exitCode, login.stderr).toBe(0);

    const allowed = `${registry.host}/team/app:v1`;
    const forbidden = `${registry.host}/other/app:v1`;
    refs.push(allowed, forbidden);
    await docker
      .getImage('docker-login/src:v1')
      .tag({ repo: `${registry.host}/team/app`, tag: 'v1' });
    await docker
      .getImage('docker-login/src:v1')
      .tag({ repo: `${registry.host}/other/app`, tag: 'v1' });

    const pushed = await dockerCli(['push', allowed]);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const manifest = await fetch(`${registry.url}/v2/team/app/manifests/v1`, {
      headers: { Authorization: `Bearer ${registry.token}` },
    });
    expect(manifest.status).toBe(200);

    const denied = await dockerCli(['push', forbidden]);
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toMatch(/denied|unauthorized/i);
    const none = await fetch(`${registry.url}/v2/other/app/manifests/v1`, {
      headers: { Authorization: `Bearer ${registry.token}` },
    });
    expect(none.status).toBe(404);

    await removeImages(docker, [allowed]);
    const pulled = await dockerCli(['pull', allowed]);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
  }, 180_000);

  it('pushes an image whose layers another repository holds: the engine uploads or mounts them into its repository first', async () => {
    // The admin token pushes the image to other/base: its layers are stored there only.
    const adminConfig = await tempDir();
    try {
      const asAdmin = (args: string[], stdin?: string) => dockerCli(args, stdin, adminConfig.dir);
      const login = await asAdmin(
        ['login', registry.host, '--username', 'admin', '--password-stdin'],
        `${registry.token}\n`,
      );
      expect(login.exitCode, login.stderr).toBe(0);
      const base = `${registry.host}/other/base:v1`;
      const adminCopy = `${registry.host}/shared/app:v1`;
      const teamCopy = `${registry.host}/team/reuse:v1`;
      refs.push(base, adminCopy, teamCopy);
      for (const [repo, tag] of [
        [`${registry.host}/other/base`, 'v1'],
        [`${registry.host}/shared/app`, 'v1'],
        [`${registry.host}/team/reuse`, 'v1'],
      ] as const)
        await docker.getImage('docker-login/src:v1').tag({ repo, tag });
      const pushedBase = await asAdmin(['push', base]);
      expect(pushedBase.exitCode, pushedBase.stderr).toBe(0);
      // The admin token again, to another repository (the engine mounts from other/base or
      // uploads), and the push:team/* token, which may not pull other/base (it uploads).
      const pushedAdmin = await asAdmin(['push', adminCopy]);
      expect(pushedAdmin.exitCode, pushedAdmin.stderr).toBe(0);
      const login2 = await dockerCli(
        ['login', registry.host, '--username', 'ci', '--password-stdin'],
        `${token}\n`,
      );
      expect(login2.exitCode, login2.stderr).toBe(0);
      const pushedTeam = await dockerCli(['push', teamCopy]);
      expect(pushedTeam.exitCode, pushedTeam.stderr).toBe(0);

      await removeImages(docker, [teamCopy, adminCopy]);
      const pulledTeam = await dockerCli(['pull', teamCopy]);
      expect(pulledTeam.exitCode, pulledTeam.stderr).toBe(0);
      const pulledAdmin = await asAdmin(['pull', adminCopy]);
      expect(pulledAdmin.exitCode, pulledAdmin.stderr).toBe(0);
    } finally {
      await adminConfig.cleanup();
    }
  }, 240_000);
});
