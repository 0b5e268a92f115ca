import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestImage,
  followProgress,
  randomBytes,
  runInImage,
} from '../../../testbed/images.js';
import {
  buildDocketImage,
  engineSocket,
  ensureNodeBase,
  freePort,
  logsOf,
  readContainerFile,
  removeBuildLeftovers,
  runToEnd,
  waitHealthy,
} from './docket-image.js';

// The Dockerfile built and run for real: base image made offline, `docker build`,
// the registry container healthy, stock `docker push` into it, `docket pull` from a
// container that drives the engine through its socket, and `docket tracker`.

const IMAGE = 'container-test/docket:test';
const PUSHED = 'container-test/hello';
const LAYER = { file: 'hello.bin', size: 1_500_000, seed: 'container-test-hello' };
const MINUTE = 60_000;
const { version } = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { version: string };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('docket container image', () => {
  const docker = new Docker();
  const containers: Docker.Container[] = [];
  const images: string[] = [];

  const create = async (opts: Docker.ContainerCreateOptions) => {
    const container = await docker.createContainer({ Image: IMAGE, ...opts });
    containers.push(container);
    return container;
  };

  beforeAll(async () => {
    await ensureNodeBase(10 * MINUTE);
    // Cold: npm ci with better-sqlite3 compiled from source, on 2 shared cores.
    await buildDocketImage(docker, IMAGE, 35 * MINUTE);
    images.push(IMAGE);
  }, 46 * MINUTE);

  afterAll(async () => {
    for (const c of containers) await c.remove({ force: true, v: true }).catch(() => {});
    for (const ref of images.reverse())
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => {});
    await removeBuildLeftovers(docker);
    // Removing containers and images is slow on a vfs engine: each holds a full copy.
  }, 15 * MINUTE);

  it('is configured as a non-root registry with a volume, ports and a healthcheck', async () => {
    const { Config } = await docker.getImage(IMAGE).inspect();
    expect(Config.User).toBe('docket');
    expect(Config.Entrypoint).toEqual(['docket']);
    expect(Config.Cmd).toEqual(['registry']);
    expect(Object.keys(Config.Volumes ?? {})).toEqual(['/var/lib/docket/data']);
    expect(Object.keys(Config.ExposedPorts ?? {}).sort()).toEqual([
      '5000/tcp',
      '6969/tcp',
      '6969/udp',
    ]);
    expect((Config as { Healthcheck?: { Test?: string[] } }).Healthcheck?.Test?.[0]).toBe('CMD');
  });

  it('runs `docket --version`', async () => {
    const out = await runInImage(docker, IMAGE, ['--version']);
    expect(out.trim()).toBe(version);
  });

  it('holds production dependencies only, with a working better-sqlite3', async () => {
    const check = [
      "const db = new (require('better-sqlite3'))(':memory:');",
      "console.log(db.prepare('select 40 + 2 as n').get().n);",
      "for (const dev of ['typescript', 'vitest', '@biomejs/biome'])",
      "  try { require.resolve(dev); console.log('dev dependency ' + dev); } catch {}",
    ].join('\n');
    const c = await create({
      Entrypoint: ['node', '-e', check],
      Cmd: [],
      WorkingDir: '/opt/docket',
      HostConfig: { NetworkMode: 'none' },
    });
    const { code, stdout, stderr } = await runToEnd(c, MINUTE);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trim()).toBe('42');
  });

  it('serves docker push, and `docket pull` in a container loads the image', async () => {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const registry = await create({
      Env: [`DOCKET_PORT=${port}`, 'DOCKET_HOST=127.0.0.1'],
      // The image's healthcheck command, polled faster than its 10 s interval.
      Healthcheck: { Interval: 1e9, StartPeriod: 60e9 },
      HostConfig: { NetworkMode: 'host' },
    });
    await registry.start();
    await waitHealthy(registry, 2 * MINUTE);

    // The admin token, written at first start into the declared volume.
    const token = (await readContainerFile(registry, '/var/lib/docket/data/admin-token')).trim();
    expect(token.length).toBeGreaterThan(10);

    const local = `${PUSHED}:src`;
    await buildTestImage(docker, local, [LAYER], { cmd: ['cat', `/data/${LAYER.file}`] });
    images.push(local, `${host}/${PUSHED}:v1`, `${PUSHED}:v1`);
    await docker.getImage(local).tag({ repo: `${host}/${PUSHED}`, tag: 'v1' });
    const authconfig = { username: 'docket', password: token, serveraddress: host };
    await followProgress(
      docker,
      await docker.getImage(`${host}/${PUSHED}:v1`).push({ authconfig }),
    );
    await docker.getImage(`${host}/${PUSHED}:v1`).remove();
    await docker.getImage(local).remove();

    const socket = engineSocket();
    const client = await create({
      Cmd: [
        'pull',
        `${PUSHED}:v1`,
        '--registry',
        `http://${host}`,
        '--seed-time',
        '0',
        '--json-summary',
        '--bare-tag',
      ],
      HostConfig: {
        NetworkMode: 'host',
        Binds: [`${socket.path}:/var/run/docker.sock`],
        GroupAdd: [String(socket.gid)],
      },
    });
    const pulled = await runToEnd(client, 3 * MINUTE);
    expect(pulled, pulled.stderr).toMatchObject({ code: 0 });
    const summary = JSON.parse(pulled.stdout.trim().split('\n').pop() ?? '') as {
      layers: number;
      layersDownloaded: number;
    };
    // The busybox base layer is still in the engine; the test layer came from the registry.
    expect(summary).toMatchObject({ layers: 2, layersDownloaded: 1 });

    for (const ref of [`${host}/${PUSHED}:v1`, `${PUSHED}:v1`]) {
      const out = await runInImage(docker, ref, ['sha256sum', `/data/${LAYER.file}`]);
      expect(out).toContain(sha(randomBytes(LAYER.seed, LAYER.size)));
    }
    const logs = await logsOf(registry);
    expect(logs.stdout).toContain(`/v2/${PUSHED}/manifests/v1`);
  });

  it('runs `docket tracker`, answering over HTTP and UDP', async () => {
    const port = await freePort();
    const tracker = await create({
      Cmd: ['tracker', '--host', '127.0.0.1', '--port', String(port)],
      Healthcheck: { Interval: 1e9 },
      HostConfig: { NetworkMode: 'host' },
    });
    await tracker.start();
    // The image's HEALTHCHECK checks only the registry: other commands are healthy.
    await waitHealthy(tracker, MINUTE);
    let stats: Response | undefined;
    for (let i = 0; i < 120 && !stats?.ok; i++) {
      stats = await fetch(`http://127.0.0.1:${port}/stats.json`).catch(() => undefined);
      if (!stats?.ok) await new Promise((r) => setTimeout(r, 250));
    }
    expect(stats?.status).toBe(200);
    expect(await stats?.json()).toHaveProperty('torrents');
    expect(await udpConnect(port)).toBe(true);
  });
});

/** BEP 15 connect: 0x41727101980, action 0, a transaction id; the reply echoes both. */
function udpConnect(port: number): Promise<boolean> {
  const req = Buffer.alloc(16);
  req.writeBigUInt64BE(0x41727101980n, 0);
  req.writeUInt32BE(0, 8);
  req.writeUInt32BE(0xc0ffee, 12);
  const socket = createSocket('udp4');
  return new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no UDP tracker reply in 5 s')), 5000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      resolve(msg.length >= 16 && msg.readUInt32BE(0) === 0 && msg.readUInt32BE(4) === 0xc0ffee);
    });
    socket.send(req, port, '127.0.0.1');
  }).finally(() => socket.close());
}
