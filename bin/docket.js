#!/usr/bin/env node
// Runs the CLI as bundled by scripts/build-cli.mjs (`npm run build`): a few files to load
// instead of every module of dist/ and node_modules one by one.
import module from 'node:module';

// Node >= 22.1 keeps the compiled code of those files on disk for the next start (in the
// OS temp dir); Node 20 has no such cache and goes on without one.
module.enableCompileCache?.();

const { main } = await import('../dist/bundle/cli.js');
process.exitCode = await main(process.argv.slice(2));
