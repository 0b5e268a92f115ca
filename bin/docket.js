#!/usr/bin/env node
// Runs the CLI as bundled by scripts/build-cli.mjs (`npm run build`): a few files to load
// instead of every module of dist/ and node_modules one by one.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(
    `docket: the CLI is not built (${fileURLToPath(bundle)} is missing): run \`npm run build\` in ${root}\n`,
  );
  process.exit(1);
}

// Node >= 22.1 keeps the compiled code of those files on disk for the next start (in the
// OS temp dir); Node 20 has no such cache and goes on without one.
module.enableCompileCache?.();

const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
