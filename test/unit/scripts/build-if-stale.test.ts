import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../../scripts/build-if-stale.mjs', import.meta.url).pathname;

/** `node scripts/build-if-stale.mjs --check` in a copy of the tree at `root`. */
function check(root: string): { status: number; out: string } {
  try {
    const out = execFileSync(
      process.execPath,
      [join(root, 'scripts/build-if-stale.mjs'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    return { status: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { status: e.status, out: e.stdout };
  }
}

async function touch(path: string, secondsAgo: number): Promise<void> {
  const time = new Date(Date.now() - secondsAgo * 1000);
  await utimes(path, time, time);
}

describe('npm start builds only when a source changed (scripts/build-if-stale.mjs)', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'docket-build-check-'));
    for (const dir of ['scripts', 'cli', 'dist/bundle', 'dist/web'])
      await mkdir(join(root, dir), { recursive: true });
    await copyFile(SCRIPT, join(root, 'scripts/build-if-stale.mjs'));
    await writeFile(join(root, 'cli/main.ts'), '');
    await writeFile(join(root, 'package.json'), '{}');
    for (const f of ['scripts/build-if-stale.mjs', 'cli/main.ts', 'package.json'])
      await touch(join(root, f), 60);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a fresh clone (no dist) builds', () => {
    expect(check(root)).toEqual({ status: 1, out: 'stale: dist/bundle/cli.js is missing\n' });
  });

  it('a build newer than every source does not; a source edited after it does', async () => {
    await writeFile(join(root, 'dist/web/index.html'), '');
    await writeFile(join(root, 'dist/bundle/cli.js'), '');
    expect(check(root)).toEqual({ status: 0, out: 'fresh\n' });
    await writeFile(join(root, 'cli/main.ts'), 'export {};');
    await touch(join(root, 'dist/web/index.html'), 30);
    await touch(join(root, 'dist/bundle/cli.js'), 30);
    expect(check(root)).toEqual({
      status: 1,
      out: 'stale: cli/main.ts changed since the last build\n',
    });
  });
});
