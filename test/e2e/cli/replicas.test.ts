import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { freshBucket, s3Endpoint, s3TestClient } from '../../helpers/ceph.js';
import { openPostgres } from '../../../registry/metadata/database.js';
import { GC_LOCK_KEY } from '../../../registry/services/gc.js';
import { freshPostgresDatabase } from '../../helpers/metadata-engines.js';
import { type RegistryCli, runCli, startRegistryCli } from '../../helpers/run-cli.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { jsonSummary, layerFileSha, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();
const LAYER = { file: 'replica.bin', size: 3_000_000, seed: 'cli-replica' };
const BASE = { file: 'base.bin', size: 2_000_000, seed: 'cli-replica-base' };
const ONE = { file: 'one.bin', size: 1_500_000, seed: 'cli-replica-one' };
const TWO = { file: 'two.bin', size: 1_500_000, seed: 'cli-replica-two' };

/** The AWS_* variables the global setup took from scripts/ceph-rgw.sh. */
function awsEnv(): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: process.env.AWS_REGION,
  };
}

describe('two docket registry replicas on one PostgreSQL database and one bucket', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let client: S3Client;
  let a: RegistryCli;
  let b: RegistryCli;
  let token: string;
  const created: string[] = [];
  const envOf = (r: RegistryCli) => ({ DOCKET_REGISTRY: r.url, DOCKET_TOKEN: token });
  const host = (r: RegistryCli) => new URL(r.url).host;
  const pull = async (r: RegistryCli, image: string, extra: string[] = []) => {
    const pulled = await runCli(
      [
        'pull',
        ...extra,
        '--seed-time',
        '0',
        '--json-summary',
        '--cache-dir',
        await tempCacheDir(),
        image,
      ],
      { env: envOf(r) },
    );
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    created.push(`${host(r)}/${image}`);
    return jsonSummary<PullSummary>(pulled);
  };

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    client = s3TestClient();
    const bucket = await freshBucket(client);
    const shared = {
      args: [
        '--database',
        database.url,
        '--storage',
        `s3://${bucket}/replicas?endpoint=${s3Endpoint()}`,
      ],
      env: awsEnv(),
    };
    a = await startRegistryCli('docket-replica-a-', shared);
    b = await startRegistryCli('docket-replica-b-', shared);
    token = (await readFile(join(a.dataDir, 'admin-token'), 'utf8')).trim();
    await buildTestImage(docker, 'cli-test/replica:v1', [LAYER]);
    await buildTestImage(docker, 'cli-test/replica-base:v1', [BASE]);
    await buildTestImage(docker, 'cli-test/replica-one:v1', [ONE], {
      base: 'cli-test/replica-base:v1',
    });
    await buildTestImage(docker, 'cli-test/replica-two:v1', [TWO], {
      base: 'cli-test/replica-base:v1',
    });
    created.push(
      'cli-test/replica:v1',
      'cli-test/replica-base:v1',
      'cli-test/replica-one:v1',
      'cli-test/replica-two:v1',
    );
  });

  afterAll(async () => {
    await removeImages(docker, created);
    await a?.stop();
    await b?.stop();
    client?.destroy();
    await database?.drop();
  });

  it("keeps the first replica's admin token: both accept it, the second writes none", async () => {
    for (const r of [a, b]) {
      const res = await fetch(`${r.url}/docket/v1/tokens`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status, r.url).toBe(200);
    }
    await expect(readFile(join(b.dataDir, 'admin-token'), 'utf8')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(b.banner).toContain(`admin-token file to ${join(b.dataDir, 'admin-token')}`);
  });

  it('runs gc on one replica at a time: 409 GC_RUNNING while another holds the lease', async () => {
    // Another replica's gc in progress holds the database's gc lock on its connection.
    const other = await openPostgres(database.url, []);
    try {
      expect(other.tryLock(GC_LOCK_KEY)).toBe(true);
      const res = await fetch(`${b.url}/docket/v1/gc?dryRun=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ errors: [{ code: 'GC_RUNNING' }] });
      const refused = await runCli(['gc'], {
        env: { DOCKET_REGISTRY: a.url, DOCKET_TOKEN: token },
      });
      expect(refused.exitCode, refused.stderr).not.toBe(0);
      expect(refused.stderr).toContain('a gc is running on another registry sharing this database');
      other.unlock(GC_LOCK_KEY);
    } finally {
      other.close();
    }
    const ran = await runCli(['gc'], { env: { DOCKET_REGISTRY: a.url, DOCKET_TOKEN: token } });
    expect(ran.exitCode, ran.stderr).toBe(0);
  });

  it('serves a push through A from B at once: a direct pull and a swarm pull from the bucket', async () => {
    const pushed = await runCli(['push', 'cli-test/replica:v1'], { env: envOf(a) });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const ref = `${host(b)}/cli-test/replica:v1`;
    // The engine keeps none of the image's layers: they come from B.
    await removeImages(docker, ['cli-test/replica:v1', `${host(a)}/cli-test/replica:v1`]);

    expect((await pull(b, 'cli-test/replica:v1')).layersDownloaded).toBe(1);
    expect(await runInImage(docker, ref, ['sha256sum', `/data/${LAYER.file}`])).toContain(
      layerFileSha(LAYER.seed, LAYER.size),
    );

    await removeImages(docker, [ref]);
    const swarm = await pull(b, 'cli-test/replica:v1', ['--no-direct']);
    expect(swarm.layersDownloaded).toBe(1);
    expect(swarm.bytes.fromRegistrySeed).toBeGreaterThan(LAYER.size);
    expect(await runInImage(docker, ref, ['sha256sum', `/data/${LAYER.file}`])).toContain(
      layerFileSha(LAYER.seed, LAYER.size),
    );
  });

  it('loses nothing when two images sharing a base layer are pushed at once, one through each', async () => {
    const [one, two] = await Promise.all([
      runCli(['push', 'cli-test/replica-one:v1'], { env: envOf(a) }),
      runCli(['push', 'cli-test/replica-two:v1'], { env: envOf(b) }),
    ]);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(two.exitCode, two.stderr).toBe(0);
    await removeImages(docker, [
      'cli-test/replica-one:v1',
      'cli-test/replica-two:v1',
      'cli-test/replica-base:v1',
      `${host(a)}/cli-test/replica-one:v1`,
      `${host(b)}/cli-test/replica-two:v1`,
    ]);
    // Each pulled back through the other replica, every layer's bytes intact.
    for (const [r, name, layer] of [
      [b, 'cli-test/replica-one:v1', ONE],
      [a, 'cli-test/replica-two:v1', TWO],
    ] as const) {
      expect((await pull(r, name)).layersDownloaded).toBeGreaterThanOrEqual(1);
      const ref = `${host(r)}/${name}`;
      const out = await runInImage(docker, ref, [
        'sha256sum',
        `/data/${BASE.file}`,
        `/data/${layer.file}`,
      ]);
      expect(out).toContain(layerFileSha(BASE.seed, BASE.size));
      expect(out).toContain(layerFileSha(layer.seed, layer.size));
    }
  });

  it('finishes on B an upload session started on A: the blob reads through both', async () => {
    const bytes = randomBytes(300_000);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const auth = { authorization: `Bearer ${token}` };
    const started = await fetch(`${a.url}/v2/cli-test/chunked/blobs/uploads/`, {
      method: 'POST',
      headers: auth,
    });
    expect(started.status).toBe(202);
    const location = new URL(started.headers.get('location') as string, a.url).pathname;
    const patch = (r: RegistryCli, from: number, to: number) =>
      fetch(`${r.url}${location}`, {
        method: 'PATCH',
        headers: {
          ...auth,
          'content-type': 'application/octet-stream',
          'content-range': `${from}-${to - 1}`,
        },
        body: bytes.subarray(from, to),
      });
    expect((await patch(a, 0, 100_000)).status).toBe(202);
    const second = await patch(b, 100_000, 200_000);
    expect(second.status, await second.text()).toBe(202);
    expect(second.headers.get('range')).toBe('0-199999');
    const rest = bytes.subarray(200_000);
    const put = await fetch(`${b.url}${location}?digest=${digest}`, {
      method: 'PUT',
      headers: {
        ...auth,
        'content-type': 'application/octet-stream',
        'content-range': `200000-${bytes.length - 1}`,
      },
      body: rest,
    });
    expect(put.status, await put.text()).toBe(201);
    for (const r of [a, b]) {
      const got = await fetch(`${r.url}/v2/cli-test/chunked/blobs/${digest}`, { headers: auth });
      expect(got.status, r.url).toBe(200);
      expect(Buffer.from(await got.arrayBuffer()).equals(bytes), r.url).toBe(true);
    }
  });
});
