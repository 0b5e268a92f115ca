import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBucket, s3Endpoint, s3TestClient } from '../../helpers/ceph.js';
import { openPostgres } from '../../../registry/metadata/database.js';
import { GC_LOCK_KEY } from '../../../registry/services/gc.js';
import { freshPostgresDatabase } from '../../helpers/metadata-engines.js';
import { type RegistryCli, runCli, startRegistryCli } from '../../helpers/run-cli.js';

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
  });

  afterAll(async () => {
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
});
