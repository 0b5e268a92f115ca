#!/usr/bin/env node
// Bundles the CLI (cli/main.ts and everything it imports, registry and tracker included)
// into dist/bundle/ with esbuild, for start-up time: Node then reads and compiles a few
// files instead of resolving and loading ~1000 modules one by one. bin/docket.js runs it.
//
// ESM with code splitting: what the code imports with `await import()` (webtorrent when a
// blob needs a torrent, koa and SQLite for `docket registry`) becomes its own chunk and
// stays lazy. Packages that load native addons or resolve files at runtime stay external
// and load from node_modules. tsc's dist/ output is still built for the tests and type
// checks; only the bin uses the bundle.
//
// webtorrent is docket's fork in vendor/ (@docket/webtorrent, docs/webtorrent-fork.md), a
// devDependency: the bundle carries it and its JavaScript dependencies, so an install of
// docket's npm package needs none of them. Each package left external below must be
// installed with docket itself (a dependency in package.json: better-sqlite3,
// node-datachannel), or be optional where it is loaded (ws's bufferutil and utf-8-validate,
// ssh2's cpu-features). test/integration/packaging/ installs the packed package and runs it.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// One folder, no sub-folders: every chunk sits at the depth of dist/cli/, so
// `new URL('../../package.json', import.meta.url)` and registry/assets.ts's look-ups
// (package.json, dist/web/) find the same files as from tsc's output.
const outdir = join(root, 'dist', 'bundle');

/** Native addons (and packages that find their own files at runtime): loaded as they are. */
const external = [
  'better-sqlite3',
  'node-datachannel',
  'bufferutil',
  'utf-8-validate',
  'cpu-features',
  'pg-native',
];

/**
 * dockerode parts most runs never use, kept out of the start-up path: docker-modem's
 * ssh:// transport (ssh2) is loaded from node_modules only when DOCKER_HOST is ssh://;
 * the BuildKit session (gRPC, protobufjs) and BuildKit progress decoding, which docket
 * never calls (no image builds), are replaced by a function that fails if called.
 */
const DOCKERODE_PARTS = [
  {
    filter: /[\\/]docker-modem[\\/]lib[\\/]ssh\.js$/,
    contents: `const { createRequire } = require('node:module');
module.exports = function ssh(opt) {
  return createRequire(__filename)('docker-modem/lib/ssh.js')(opt);
};`,
  },
  ...['session', 'buildkit'].map((name) => ({
    filter: new RegExp(`[\\\\/]dockerode[\\\\/]lib[\\\\/]${name}\\.js$`),
    contents: `module.exports = function unsupported() {
  throw new Error('docket is built without dockerode/lib/${name}.js (BuildKit)');
};
module.exports.followProgress = module.exports;`,
  })),
];

const dockerodeParts = {
  name: 'dockerode-parts',
  setup(b) {
    for (const { filter, contents } of DOCKERODE_PARTS) {
      b.onLoad({ filter }, () => ({ contents, loader: 'js' }));
    }
  },
};

/**
 * webtorrent's "browser exclude" modules that docket's torrent client turns off
 * (lib/p2p/torrent-client.ts: dht: false, natUpnp: false, natPmp: false): webtorrent and
 * torrent-discovery use them only after a `typeof X === 'function'` check, as in their
 * browser build, so an undefined export skips them. Saves loading the DHT and the UPnP
 * client (xml2js, sax, ...) in every process that needs a torrent.
 *
 * utp-native (uTP, off too: `utp: false`) becomes an empty CommonJS module, which is what
 * webtorrent's lib/utp.cjs falls back to when the addon cannot be loaded, without its
 * warning: an install of docket's package needs no native uTP addon compiled.
 */
const TURNED_OFF_TORRENT_PARTS = /^(bittorrent-dht|@silentbot1\/nat-api|utp-native)$/;

const turnedOffTorrentParts = {
  name: 'turned-off-torrent-parts',
  setup(b) {
    b.onResolve({ filter: TURNED_OFF_TORRENT_PARTS }, (args) => ({
      path: args.path,
      namespace: 'turned-off',
    }));
    b.onLoad({ filter: /.*/, namespace: 'turned-off' }, (args) => ({
      contents:
        args.path === 'utp-native'
          ? 'module.exports = {};\n'
          : 'export const Client = undefined;\nexport default undefined;\n',
      loader: 'js',
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { cli: join(root, 'cli', 'main.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: ['node20'],
  outdir,
  chunkNames: 'chunk-[hash]',
  external,
  plugins: [dockerodeParts, turnedOffTorrentParts],
  // CommonJS dependencies call require() for Node's built-ins and use __dirname; ESM
  // output has neither, so each file defines them from its own URL.
  banner: {
    js: [
      "import { createRequire as __docketCreateRequire } from 'node:module';",
      "import { fileURLToPath as __docketFileURLToPath } from 'node:url';",
      'const require = __docketCreateRequire(import.meta.url);',
      'const __filename = __docketFileURLToPath(import.meta.url);',
      "const __dirname = __docketFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  sourcemap: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs).filter(([p]) => p.endsWith('.js'));
const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
// What went into which file, for `npx esbuild --analyze`-style questions; outside the bundle.
await writeFile(join(root, 'dist', 'bundle-meta.json'), JSON.stringify(result.metafile));
console.log(`cli bundle: ${outputs.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB`);
