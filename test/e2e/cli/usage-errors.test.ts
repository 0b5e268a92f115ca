import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import { runCli } from '../../helpers/run-cli.js';

// No registry and no engine: each command fails, or answers, before it would need one.
const env = { DOCKET_REGISTRY: 'http://127.0.0.1:1' };

describe('docket: what a user mistake prints', () => {
  it('a bad flag: which one, the closest, the usage without #0 (2)', async () => {
    const r = await runCli(['images', '--jsn'], { env });
    expect(r.exitCode).toBe(ExitCode.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'docket: unknown option --jsn for `docket images`; did you mean --json?\n' +
        'usage: docket images [--registry <registry>] [-a,--all] [-q,--quiet] [--json]\n',
    );
  });

  it('an unknown command: the closest one', async () => {
    const r = await runCli(['pul', 'app:v1'], { env });
    expect(r.exitCode).toBe(ExitCode.usage);
    expect(r.stderr.split('\n')[0]).toBe(
      'docket: unknown command "pul"; did you mean `docket pull`?',
    );
  });

  it('with --json, a usage error is also a JSON document on stdout', async () => {
    const r = await runCli(['images', '--json', '--jsn'], { env });
    expect(r.exitCode).toBe(ExitCode.usage);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'USAGE',
        message: 'unknown option --jsn for `docket images`; did you mean --json?',
      },
    });
  });

  it('with --json, a failure of the command is a JSON document on stdout, same exit code', async () => {
    const r = await runCli(['images', '--json'], { env: { DOCKET_REGISTRY: undefined } });
    expect(r.exitCode).toBe(ExitCode.config);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('CONFIG');
    expect(doc.error.message).toMatch(/^no registry/);
    expect(r.stderr).toMatch(/^docket: no registry/);
  });
});

describe('docket cache ls', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-cache-ls-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says the binary limit in GiB', async () => {
    const r = await runCli(['cache', 'ls', '--cache-dir', dir, '--cache-size', '10G']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`0B of 10GiB in ${dir}`);
  });
});
