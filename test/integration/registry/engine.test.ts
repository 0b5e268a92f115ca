import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestImage,
  followProgress,
  randomBytes,
  runInImage,
} from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const LAYERS = [
  { file: 'a.bin', size: 300_000, seed: 'registry-test-a' },
  { file: 'b.bin', size: 70_000, seed: 'registry-test-b' },
];
const LOCAL = 'registry-test/engine:1';

describe('registry with the stock Docker engine', () => {
  const docker = new Docker();
  let reg: TestRegistry;
  let ref: string;
  let auth: { username: string; password: string; serveraddress: string };

  beforeAll(async () => {
    reg = await startTestRegistry();
    ref = `${reg.host}/registry-test/x:1`;
    auth = { username: 'docket', password: reg.token, serveraddress: reg.host };
    await buildTestImage(docker, LOCAL, LAYERS, { cmd: ['cat', '/data/b.bin'] });
    await docker.getImage(LOCAL).tag({ repo: `${reg.host}/registry-test/x`, tag: '1' });
  });

  afterAll(async () => {
    for (const r of [ref, LOCAL, `${reg?.host}/registry-test/tar:7`]) {
      await docker
        .getImage(r)
        .remove({ force: true })
        .catch(() => {});
    }
    await reg?.close();
  });

  it('logs in with the token as password and refuses a wrong one', async () => {
    await expect(docker.checkAuth(auth)).resolves.toBeTruthy();
    await expect(docker.checkAuth({ ...auth, password: 'wrong' })).rejects.toThrow();
  });

  it('refuses a push with a wrong token', async () => {
    const stream = await docker.getImage(ref).push({ authconfig: { ...auth, password: 'wrong' } });
    await expect(followProgress(docker, stream)).rejects.toThrow(/auth|unauthorized/i);
  });

  it('takes docker push, serves docker pull, and the pulled image runs', async () => {
    await followProgress(docker, await docker.getImage(ref).push({ authconfig: auth }));
    await docker.getImage(ref).remove();
    await docker.getImage(LOCAL).remove();
    await followProgress(docker, await docker.pull(ref));
    const out = await runInImage(docker, ref, ['sha256sum', '/data/a.bin', '/data/b.bin']);
    expect(out).toContain(sha(randomBytes(LAYERS[0]!.seed, LAYERS[0]!.size)));
    expect(out).toContain(sha(randomBytes(LAYERS[1]!.seed, LAYERS[1]!.size)));

    const list = (await (await fetch(`${reg.url}/docket/v1/images`)).json()) as {
      images: {
        repository: string;
        tag: string;
        layerCount: number;
        layers: { magnet: string }[];
      }[];
    };
    const image = list.images.find((i) => i.repository === 'registry-test/x' && i.tag === '1');
    expect(image?.layerCount).toBe(3);
    expect(image?.layers[0]?.magnet).toMatch(/^magnet:\?xt=urn:btih:[0-9a-f]{40}/);
  });

  it('imports a docker save stream over plain HTTP; the engine pulls and runs it', async () => {
    const saved = (await docker.getImage(ref).get()) as Readable;
    const res = await fetch(`${reg.url}/docket/v1/images?tag=registry-test/tar:7`, {
      method: 'POST',
      body: saved as unknown as ReadableStream,
      headers: { Authorization: `Bearer ${reg.token}` },
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as { images: { tags: string[]; layers: unknown[] }[] };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.images[0]?.tags).toEqual(['registry-test/tar:7']);
    const tarRef = `${reg.host}/registry-test/tar:7`;
    await followProgress(docker, await docker.pull(tarRef));
    const out = await runInImage(docker, tarRef, ['sha256sum', '/data/b.bin']);
    expect(out).toContain(sha(randomBytes(LAYERS[1]!.seed, LAYERS[1]!.size)));
  });
});
