#!/usr/bin/env node
// Bundles the web page (web/main.tsx: preact, uPlot, its CSS) into dist/web/ with esbuild:
// content-hashed app-<hash>.js and app-<hash>.css, and an index.html naming them. No
// CDN: everything the page loads comes from the registry that serves it.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist', 'web');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: { app: join(root, 'web', 'main.tsx') },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2022'],
  outdir,
  entryNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(root, 'web', 'tsconfig.json'),
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
if (!script || !style) throw new Error(`esbuild wrote no bundle: ${outputs.join(', ')}`);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>docket registry</title>
<link rel="stylesheet" href="/web/${style}">
<script type="module" src="/web/${script}"></script>
</head>
<body>
<div id="app"><noscript>This page needs JavaScript; the API is at /docket/v1/.</noscript></div>
</body>
</html>
`;
await writeFile(join(outdir, 'index.html'), html);
console.log(`web: ${(await readdir(outdir)).join(', ')}`);
