#!/usr/bin/env node
// Applies patches/<package>+<version>.patch to node_modules/<package> (npm postinstall).
// Idempotent: a patch that reverses cleanly is already applied and is skipped. Fails loudly
// (exit 1) when the installed version differs from the patch's, or the patch no longer
// applies: a dependency upgrade must make someone look at patches/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const patchDir = join(root, 'patches');
const flags = ['-p1', '--fuzz=0', '--forward', '--batch', '--no-backup-if-mismatch', '-r', '-'];

function runPatch(pkgDir, file, extra) {
  return spawnSync('patch', [...flags, ...extra, '-d', pkgDir, '-i', file], { encoding: 'utf8' });
}

if (spawnSync('patch', ['--version']).error) {
  console.error(
    'apply-patches: the `patch` program is missing: install it (apt-get install patch)',
  );
  process.exit(1);
}

let failed = 0;
const patches = readdirSync(patchDir)
  .filter((f) => f.endsWith('.patch'))
  .sort();
for (const name of patches) {
  const m = /^(.+)\+(\d[^+]*)\.patch$/.exec(name);
  if (!m) {
    console.error(`apply-patches: ${name}: not named <package>+<version>.patch`);
    failed++;
    continue;
  }
  const [, pkg, version] = m;
  const file = join(patchDir, name);
  const pkgDir = join(root, 'node_modules', pkg);
  const manifest = join(pkgDir, 'package.json');
  if (!existsSync(manifest)) {
    console.error(`apply-patches: ${pkg} is not installed (${name})`);
    failed++;
    continue;
  }
  const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
  if (installed !== version) {
    console.error(
      `apply-patches: ${pkg} is ${installed}, ${name} is for ${version}: redo the patch (patches/README.md)`,
    );
    failed++;
    continue;
  }
  if (runPatch(pkgDir, file, ['--dry-run', '-R']).status === 0) {
    console.log(`apply-patches: ${name} already applied`);
    continue;
  }
  const dry = runPatch(pkgDir, file, ['--dry-run']);
  if (dry.status !== 0) {
    console.error(`apply-patches: ${name} does not apply:\n${dry.stdout}${dry.stderr}`);
    failed++;
    continue;
  }
  const run = runPatch(pkgDir, file, []);
  if (run.status !== 0) {
    console.error(`apply-patches: ${name} failed:\n${run.stdout}${run.stderr}`);
    failed++;
    continue;
  }
  console.log(`apply-patches: applied ${name}`);
}
if (failed > 0) process.exit(1);
