import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RegistryCli,
  type RunningCli,
  runCli,
  startRegistryCli,
} from '../../helpers/run-cli.js';

describe('docket registry start-up and what a person reads', () => {
  let dir: string;
  let registry: RunningCli;
  let url: string;
  let running: RegistryCli | undefined;

  beforeAll(async () => {
    running = await startRegistryCli('docket-registry-output-');
    ({ process: registry, url, dataDir: dir } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('prints a banner: URL, data dir, token file, a login command that runs from here', async () => {
    const stderr = await registry.waitForStderr(/log in with/, 1_000);
    expect(stderr).toMatch(/^docket registry \S+ listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stderr).toContain(`  data:         ${dir}\n`);
    expect(stderr).toContain(`  admin token:  ${join(dir, 'admin-token')}\n`);
    // `docket` once `npm link` put it on PATH; else the checkout's script, from the cwd.
    const linked = (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, 'docket')));
    const cli = linked ? 'docket' : 'node bin/docket.js';
    expect(stderr).toContain(
      `  log in with:  ${cli} login --registry ${url} --token-stdin < ${join(dir, 'admin-token')}\n`,
    );
  });

  it('logs JSON lines with ISO times when piped; announces are not logged at info', async () => {
    await fetch(`${url}/announce?info_hash=${'%aa'.repeat(20)}&peer_id=${'%bb'.repeat(20)}&port=1`);
    await fetch(`${url}/v2/_catalog`);
    const stdout = await registry.waitForStdout(/"path":"\/v2\/_catalog"/, 10_000);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const line of lines) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(lines.some((l) => l.path === '/announce')).toBe(false);
  });

  it('docket version reports the client and the registry', async () => {
    const r = await runCli(['version', '--json', '--registry', url]);
    expect(r.exitCode, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { client: string; registry: string };
    expect(v.registry).toBe(v.client);
    expect(v.client).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('help shows value names and defaults, no #0 and no colour when piped', async () => {
    const r = await runCli(['pull', '--help'], { env: { NO_COLOR: '' } });
    expect(r.stdout).toContain('--seed-time <seed-time>');
    expect(r.stdout).toContain('(default 5m; a bare number is seconds');
    expect(r.stdout).toContain('default ~/.cache/docket');
    expect(r.stdout).not.toContain('#0');
    expect(r.stdout).not.toContain('\u001b');
  });
});
