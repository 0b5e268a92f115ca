import { spawn } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/errors.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../../registry/data-lock.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

const owner = (pid: number, host = hostname()) =>
  `${JSON.stringify({ pid, host, since: new Date().toISOString() })}\n`;

describe('lockDataDir', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await tmp?.cleanup();
  });

  it('writes its pid, and removes the lock on release', async () => {
    tmp = await tempDir('docket-data-lock-');
    const lock = await lockDataDir(tmp.dir);
    const held = JSON.parse(await readFile(join(tmp.dir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(held.pid).toBe(process.pid);
    await lock.release();
    await expect(readFile(join(tmp.dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes an existing data directory 0700 (it holds private layers and token hashes)', async () => {
    tmp = await tempDir('docket-data-lock-');
    await chmod(tmp.dir, 0o755);
    const lock = await lockDataDir(tmp.dir);
    expect(((await stat(tmp.dir)).mode & 0o777).toString(8)).toBe('700');
    await lock.release();
  });

  it('refuses a directory a live registry holds, naming it and its pid (a config error)', async () => {
    tmp = await tempDir('docket-data-lock-');
    // Our parent is alive and is not us.
    await writeFile(join(tmp.dir, LOCK_FILE), owner(process.ppid));
    const err = await lockDataDir(tmp.dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirInUseError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(
      `data directory ${tmp.dir} is in use by docket registry pid ${process.ppid}`,
    );
  });

  it('takes over the lock of a process that is gone', async () => {
    tmp = await tempDir('docket-data-lock-');
    await writeFile(join(tmp.dir, LOCK_FILE), owner(await deadPid()));
    const lock = await lockDataDir(tmp.dir);
    const held = JSON.parse(await readFile(join(tmp.dir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(held.pid).toBe(process.pid);
    await lock.release();
  });

  it('honours a lock written on another host', async () => {
    tmp = await tempDir('docket-data-lock-');
    await writeFile(join(tmp.dir, LOCK_FILE), owner(await deadPid(), 'elsewhere.invalid'));
    await expect(lockDataDir(tmp.dir)).rejects.toThrow(/pid \d+ on elsewhere\.invalid/);
  });

  it('a release after a take-over leaves the new owner’s lock alone', async () => {
    tmp = await tempDir('docket-data-lock-');
    const first = await lockDataDir(tmp.dir);
    const other = owner(process.ppid);
    await writeFile(join(tmp.dir, LOCK_FILE), other);
    await first.release();
    expect(await readFile(join(tmp.dir, LOCK_FILE), 'utf8')).toBe(other);
  });
});
