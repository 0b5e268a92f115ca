#!/usr/bin/env node
// The CLI as bundled by scripts/build-cli.mjs (`npm run build`): a few files to load instead
// of every module of dist/client/ and node_modules one by one.
import { main } from '../dist/bundle/cli.js';

process.exitCode = await main(process.argv.slice(2));
