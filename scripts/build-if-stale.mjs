#!/usr/bin/env node
// `npm start`'s prestart: runs `npm run build` only when a source is newer than the last
// build's final output (dist/bundle/cli.js, written last by `npm run build`) or an output
// is missing, as on a fresh clone. `--check` prints what it would do and exits 1 when
// stale, 0 when fresh. The tree walked: the product and tooling folders tsc builds, the
// web page, the build scripts, package and tsconfig files.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = [
  'agent',
  'bench',
  'cli',
  'client',
  'lib',
  'registry',
  'testbed',
  'tracker',
  'types',
  'web',
];
const SOURCE_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'web/tsconfig.json',
  'scripts/build-cli.mjs',
  'scripts/build-web.mjs',
];
const OUTPUTS = ['dist/bundle/cli.js', 'dist/web/index.html'];

/** mtime in ms, or undefined when the path does not exist. */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest file under `dir` (recursively), as [mtimeMs, path]. */
function newest(dir, best = [0, '']) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return best;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) best = newest(path, best);
    else if (entry.isFile()) {
      const m = mtime(path) ?? 0;
      if (m > best[0]) best = [m, path];
    }
  }
  return best;
}

function staleReason() {
  const outputs = OUTPUTS.map((p) => [mtime(join(root, p)), p]);
  const missing = outputs.find(([m]) => m === undefined);
  if (missing) return `${missing[1]} is missing`;
  const built = Math.min(...outputs.map(([m]) => m));
  let source = [0, ''];
  for (const dir of SOURCE_DIRS) source = newest(join(root, dir), source);
  for (const file of SOURCE_FILES) {
    const m = mtime(join(root, file)) ?? 0;
    if (m > source[0]) source = [m, join(root, file)];
  }
  if (source[0] > built) return `${relative(root, source[1])} changed since the last build`;
  return undefined;
}

const reason = staleReason();
if (process.argv.includes('--check')) {
  console.log(reason ? `stale: ${reason}` : 'fresh');
  process.exit(reason ? 1 : 0);
}
if (!reason) {
  console.log('build: up to date (dist/ is newer than every source)');
} else {
  console.log(`build: ${reason}: npm run build`);
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], {
        cwd: root,
        stdio: 'inherit',
        shell: process.platform === 'win32',
      });
  process.exit(result.status ?? 1);
}
