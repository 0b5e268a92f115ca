import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedToken, TokenInfo } from '../../../lib/api/index.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { removeImages } from './cli-env.js';

const docker = new Docker();

describe('docket token create / ls / rotate / revoke (bin/docket.js, real registry and engine)', () => {
  let registry: TestRegistry;
  const created: string[] = [];
  const as = (token: string) => ({ DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: token });
  const cli = async (args: string[], token = registry.token) => {
    const result = await runCli(args, { env: as(token) });
    expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ authReads: true });
    await buildTestImage(docker, 'cli-tok/src:one', [
      { file: 'a.bin', size: 50_000, seed: 'cli-tokens' },
    ]);
    created.push('cli-tok/src:one', 'team/app:v1', 'other/app:v1');
  }, 120_000);

  afterAll(async () => {
    await removeImages(docker, created);
    await registry?.close();
  });

  it('a push-scoped token pushes its repository only; gc and token management need admin; revoke and rotate take effect at once', async () => {
    const ci = JSON.parse(
      await cli([
        'token',
        'create',
        'ci',
        '--scope',
        'pull:team/*',
        '--scope',
        'push:team/app',
        '--expires',
        '90d',
        '--json',
      ]),
    ) as CreatedToken;
    expect(ci.scopes).toEqual(['pull:team/*', 'push:team/app']);
    expect(Date.parse(ci.expiresAt ?? '')).toBeGreaterThan(Date.now() + 89 * 86_400_000);

    await docker.getImage('cli-tok/src:one').tag({ repo: 'team/app', tag: 'v1' });
    await docker.getImage('cli-tok/src:one').tag({ repo: 'other/app', tag: 'v1' });
    await cli(['push', '-q', 'team/app:v1'], ci.token);
    const otherPush = await runCli(['push', '-q', 'other/app:v1'], { env: as(ci.token) });
    expect(otherPush.exitCode, otherPush.stderr).toBe(4);
    const gc = await runCli(['gc', '--dry-run'], { env: as(ci.token) });
    expect(gc.exitCode, gc.stderr).toBe(4);
    const ls = await runCli(['token', 'ls'], { env: as(ci.token) });
    expect(ls.exitCode, ls.stderr).toBe(4);

    const table = await cli(['token', 'ls']);
    expect(table).toMatch(/^NAME\s+SCOPES\s+CREATED\s+LAST USED\s+EXPIRES/m);
    expect(table).toMatch(/^ci\s+pull:team\/\* push:team\/app\s/m);
    expect(table).not.toContain(ci.token);
    const listed = JSON.parse(await cli(['token', 'ls', '--json'])) as TokenInfo[];
    expect(listed.map((t) => t.name)).toEqual(['admin', 'ci']);

    const rotated = (await cli(['token', 'rotate', 'ci', '-q'])).trim();
    expect(rotated).not.toBe(ci.token);
    expect((await runCli(['images'], { env: as(ci.token) })).exitCode).toBe(4);
    await cli(['images'], rotated);

    expect(await cli(['token', 'revoke', 'ci'])).toContain('revoked token ci');
    const after = await runCli(['images'], { env: as(rotated) });
    expect(after.exitCode, after.stderr).toBe(4);
  });

  it('rejects a malformed scope before asking the registry', async () => {
    const bad = await runCli(['token', 'create', 'x', '--scope', 'write:team'], {
      env: as(registry.token),
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr + bad.stdout).toContain('invalid scope "write:team"');
  });
});
