import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { jsonSummary, layerFileSha, removeImages } from '../../e2e/cli/cli-env.js';
import { type RegistryCli, runCli, startRegistryCli } from '../../helpers/run-cli.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const docker = new Docker();
// Above the 1 MiB a pull fetches whole over HTTP: this layer comes through the swarm.
const LAYER = { file: 'layer.bin', size: 2_500_000, seed: 'npm-package-layer' };

/**
 * docket as users install it: `npm pack`, then `npm install -g` of the tarball into an empty
 * prefix (the npm registry must be reachable; better-sqlite3 compiles, a few minutes). The
 * installed `docket` runs the CLI bundle, which carries the webtorrent fork (vendor/,
 * docs/webtorrent-fork.md): a push, and a pull through the swarm (direct downloads off),
 * prove it works.
 */
describe('the npm package (npm pack, npm install -g)', () => {
  let tmp: string;
  let bin: string;
  let installed: string;
  let registry: RegistryCli | undefined;
  const images = ['npm-package/app:v1'];

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'bundle', 'cli.js')))
      throw new Error('dist/bundle/cli.js is missing: run `npm run build` first');
    tmp = await mkdtemp(join(tmpdir(), 'docket-npm-package-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const prefix = join(tmp, 'prefix');
    // From the temp dir, so that the repository's .npmrc and node_modules play no part.
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(tmp, filename),
      ],
      { cwd: tmp, maxBuffer: 64 * 1024 * 1024 },
    );
    bin = join(prefix, 'bin', 'docket');
    installed = join(prefix, 'lib', 'node_modules', 'docket');
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
    await removeImages(docker, images);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('installs the bin, the bundle and no copy of the fork or of its dependencies', () => {
    expect(existsSync(bin)).toBe(true);
    const modules = join(installed, 'node_modules');
    for (const name of ['@docket', 'webtorrent', 'bittorrent-protocol', 'torrent-piece'])
      expect(existsSync(join(modules, name)), name).toBe(false);
    expect(existsSync(join(modules, 'webrtc-polyfill'))).toBe(false);
    // The forked torrent-piece's reservable() rides in the bundle.
    const bundle = join(installed, 'dist', 'bundle');
    const chunks = readdirSync(bundle).filter((f) => f.endsWith('.js'));
    expect(chunks.some((f) => readFileSync(join(bundle, f), 'utf8').includes('reservable()'))).toBe(
      true,
    );
  });

  it('docket --version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], { bin });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('docket registry answers /v2/; a push, and a pull through the swarm, work', async () => {
    registry = await startRegistryCli('docket-npm-package-', {
      bin,
      args: ['--no-direct-downloads'],
    });
    const v2 = await fetch(`${registry.url}/v2/`);
    expect(v2.status).toBe(401);
    expect(v2.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    const token = readFileSync(join(registry.dataDir, 'admin-token'), 'utf8').trim();
    expect(
      (await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(200);

    const env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: token };
    await buildTestImage(docker, 'npm-package/app:v1', [LAYER]);
    const push = await runCli(['push', '-q', 'npm-package/app:v1'], { bin, env });
    expect(push.exitCode, push.stderr).toBe(0);
    const local = `${new URL(registry.url).host}/npm-package/app:v1`;
    images.push(local);
    await removeImages(docker, ['npm-package/app:v1']);
    const cacheDir = join(tmp, 'cache');
    const pull = await runCli(
      ['pull', '--json-summary', '--seed-time', '0', '--cache-dir', cacheDir, 'npm-package/app:v1'],
      { bin, env },
    );
    expect(pull.exitCode, pull.stderr).toBe(0);
    const summary = jsonSummary<PullSummary>(pull);
    expect(summary.layersDownloaded).toBe(1);
    const { fromPeers, fromRegistrySeed, fromWebSeed } = summary.bytes;
    expect(fromPeers + fromRegistrySeed + fromWebSeed).toBeGreaterThanOrEqual(LAYER.size);
    const out = await runInImage(docker, local, ['sha256sum', `/data/${LAYER.file}`]);
    expect(out.split(' ')[0]).toBe(layerFileSha(LAYER.seed, LAYER.size));
  }, 180_000);
});
