import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFullError } from '../../../client/errors.js';
import { classifyError, ExitCode } from '../../../cli/exit-codes.js';

/** A Node system error as fs and net build them (code, syscall, path / address, port). */
function systemError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error('system error'), fields);
}

describe('classifyError: system errors the user fixes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-system-failures-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a full disk is 8 and names the path', () => {
    expect(classifyError(new DiskFullError('/c/partial/ab', 'ENOSPC'))).toMatchObject({
      exitCode: ExitCode.diskFull,
      message: expect.stringMatching(/disk full \(ENOSPC\) writing \/c\/partial\/ab: .*resumes/),
    });
    expect(classifyError(systemError({ code: 'EDQUOT', path: '/q' }))?.exitCode).toBe(
      ExitCode.diskFull,
    );
  });

  it('a port in use is 11, with the address and --port', () => {
    const failure = classifyError(
      systemError({ code: 'EADDRINUSE', syscall: 'listen', address: '0.0.0.0', port: 5000 }),
    );
    expect(failure).toEqual({
      exitCode: ExitCode.config,
      message:
        'port 0.0.0.0:5000 is in use (EADDRINUSE): stop what listens there or pass another --port',
    });
  });

  it('a path that is not a directory is 11 and names it', () => {
    const failure = classifyError(systemError({ code: 'ENOTDIR', syscall: 'mkdir', path: '/f/x' }));
    expect(failure?.exitCode).toBe(ExitCode.config);
    expect(failure?.message).toMatch(/^cannot use \/f\/x: a path component is not a directory/);
  });

  it('a recursive mkdir ENOENT under a writable parent stays ENOENT', async () => {
    await writeFile(join(dir, 'f'), '');
    const failure = classifyError(
      systemError({ code: 'ENOENT', syscall: 'mkdir', path: join(dir, 'a', 'b') }),
    );
    expect(failure?.message).toContain('(ENOENT)');
  });

  it('an unknown error stays a bug (undefined: printed with its stack)', () => {
    expect(classifyError(new TypeError('x is undefined'))).toBeUndefined();
  });
});
