import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { freshBucket, s3Endpoint, s3TestClient } from '../../helpers/ceph.js';
import { type RegistryCli, runCli, startRegistryCli } from '../../helpers/run-cli.js';
import { jsonSummary, layerFileSha, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();
const LAYER = { file: 'big.bin', size: 6_000_000, seed: 'cli-s3-big' };

/** The AWS_* variables the global setup took from scripts/ceph-rgw.sh. */
function awsEnv(): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: process.env.AWS_REGION,
  };
}

describe('docket registry --storage s3:// on a Ceph RGW', () => {
  let client: S3Client;
  let bucket: string;
  let registry: RegistryCli;
  let env: Record<string, string>;
  let ref: string;
  const created: string[] = [];

  beforeAll(async () => {
    client = s3TestClient();
    bucket = await freshBucket(client);
    registry = await startRegistryCli('docket-s3-registry-', {
      args: ['--storage', `s3://${bucket}/registry?endpoint=${s3Endpoint()}`],
      env: awsEnv(),
    });
    const token = (await readFile(join(registry.dataDir, 'admin-token'), 'utf8')).trim();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: token };
    ref = `${new URL(registry.url).host}/cli-test/s3:v1`;
    await buildTestImage(docker, 'cli-test/s3:v1', [LAYER]);
    created.push('cli-test/s3:v1', ref);
  });

  afterAll(async () => {
    await removeImages(docker, created);
    await registry?.stop();
    client?.destroy();
  });

  it('keeps pushed blobs in the bucket, not in the data directory', async () => {
    const pushed = await runCli(['push', 'cli-test/s3:v1'], { env });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'registry/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key as string);
    // Layer, config: each under its digest; no temp object or upload session left.
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) expect(key).toMatch(/^registry\/blobs\/sha256\/[a-f0-9]{64}$/);
    expect(await readdir(registry.dataDir)).not.toContain('blobs');
    await removeImages(docker, [ref, 'cli-test/s3:v1']);
  });

  it('serves a pull through the swarm: the seeder copies the layer from the bucket into its cache', async () => {
    const cacheFiles = join(registry.dataDir, 'storage-cache', 'sha256');
    expect(await readdir(cacheFiles)).toEqual([]);
    const pulled = await runCli(
      [
        'pull',
        // Alone on the blob, a pull would take it direct over HTTP: this is about the seeder.
        '--no-direct',
        '--seed-time',
        '0',
        '--json-summary',
        '--cache-dir',
        await tempCacheDir(),
        'cli-test/s3:v1',
      ],
      { env },
    );
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    const summary = jsonSummary<PullSummary>(pulled);
    expect(summary.layersDownloaded).toBe(1);
    expect(summary.bytes.fromRegistrySeed).toBe(summary.bytes.total);
    expect(summary.bytes.fromRegistrySeed).toBeGreaterThan(LAYER.size);
    expect(await readdir(cacheFiles)).toHaveLength(1);
    const out = await runInImage(docker, ref, ['sha256sum', '/data/big.bin']);
    expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
  });

  it('serves a direct pull from the bucket by ranged reads', async () => {
    await removeImages(docker, [ref]);
    const pulled = await runCli(
      [
        'pull',
        '--seed-time',
        '0',
        '--json-summary',
        '--cache-dir',
        await tempCacheDir(),
        'cli-test/s3:v1',
      ],
      { env },
    );
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    const out = await runInImage(docker, ref, ['sha256sum', '/data/big.bin']);
    expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
  });

  it('refuses a storage URL it cannot parse, with exit code 2', async () => {
    const result = await runCli([
      'registry',
      '--storage',
      's3://no_such_bucket_name',
      '--port',
      '0',
    ]);
    expect(result.exitCode, JSON.stringify(result)).toBe(2);
    expect(result.stderr).toContain('--storage must be');
  });
});
