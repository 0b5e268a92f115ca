import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegistryCli, runCli, startCli, startRegistryCli } from '../../helpers/run-cli.js';

const ROOT = new URL('../../../', import.meta.url);
const BUNDLE_DIR = new URL('dist/bundle/', ROOT);

/**
 * bin/docket.js runs the esbuild bundle of the CLI (scripts/build-cli.mjs, part of
 * `npm run build`): it starts, and the parts it loads only on demand (the registry's koa
 * and SQLite, the tracker, pino) load from their chunks and work.
 */
describe('the bundled CLI (bin/docket.js -> dist/bundle/)', () => {
  let dir: string;
  let url: string;
  let running: RegistryCli | undefined;

  beforeAll(async () => {
    running = await startRegistryCli('docket-bundle-');
    ({ url, dataDir: dir } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('is what bin/docket.js runs, and loads no module of tsc output', () => {
    expect(readFileSync(new URL('bin/docket.js', ROOT), 'utf8')).toContain('../dist/bundle/cli.js');
    for (const file of readdirSync(BUNDLE_DIR).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(new URL(file, BUNDLE_DIR), 'utf8');
      expect(text, file).not.toMatch(/from\s*["'][./]*(client|lib|registry|tracker)\//);
    }
  });

  it('docket version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
      version: string;
    };
    const r = await runCli(['version', '--quiet']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
    expect(r.stderr).toBe('');
  });

  it('docket registry (a lazily loaded chunk, SQLite external) answers /v2/ and the page', async () => {
    const v2 = await fetch(`${url}/v2/`);
    expect([200, 401]).toContain(v2.status);
    expect(v2.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module" src="\/web\/app-\w+\.js">/);
    const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    const images = await runCli(['images', '--json'], {
      env: { DOCKET_REGISTRY: url, DOCKET_TOKEN: token },
    });
    expect(images.exitCode, images.stderr).toBe(0);
    expect(JSON.parse(images.stdout)).toEqual([]);
  });

  it("talking to the registry loads none of Node's fetch (undici: ~0.3 s of CPU)", () => {
    // Node's built-in modules a process loaded are in process.moduleLoadList.
    const probe = join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('undici: ' + process.moduleLoadList.some((m) => m.includes('undici')) + '\\n'));",
    );
    const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    const r = spawnSync(
      process.execPath,
      ['--require', probe, new URL('bin/docket.js', ROOT).pathname, 'images', '--json'],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          DOCKET_CONFIG: join(dir, 'config.json'),
          DOCKET_REGISTRY: url,
          DOCKET_TOKEN: token,
        },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('undici: false\n');
  });

  it('DOCKER_HOST=ssh:// still works: ssh2 loads from node_modules when it is used', async () => {
    // Port 1: nothing listens, so the ssh transport itself answers ECONNREFUSED. Push checks
    // its token before it asks the engine: it holds the admin token.
    const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    const r = await runCli(['push', 'bundle-test/none:v1'], {
      env: { DOCKER_HOST: 'ssh://nobody@127.0.0.1:1', DOCKET_REGISTRY: url, DOCKET_TOKEN: token },
    });
    expect(r.exitCode, r.stderr).toBe(6);
    expect(r.stderr).toMatch(
      /Docker engine unreachable at ssh:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/,
    );
  });

  it('docket tracker (bittorrent-tracker and pino, loaded on demand) serves /announce', async () => {
    const tracker = startCli([
      'tracker',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--udp-port',
      'off',
    ]);
    try {
      const out = await tracker.waitForStdout(/tracker: http:\/\/\S+\/announce\n/, 30_000);
      const announce = /tracker: (http:\/\/\S+)\n/.exec(out)?.[1] as string;
      const stats = await fetch(new URL('/stats.json', announce));
      expect(stats.status).toBe(200);
      expect(await stats.json()).toMatchObject({ torrents: 0 });
    } finally {
      tracker.child.kill('SIGINT');
      expect((await tracker.result).exitCode).toBe(0);
    }
  });
});
