import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

const SCRIPT = new URL('../../scripts/ceph-rgw.sh', import.meta.url).pathname;

/** The variables scripts/ceph-rgw.sh prints, which the S3 tests read from process.env. */
const ENV_NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'DOCKET_TEST_S3_ENDPOINT',
] as const;

/**
 * Starts a throwaway Ceph cluster with an S3 gateway on loopback (scripts/ceph-rgw.sh) for
 * the whole test run and sets its endpoint and credentials in process.env, which the test
 * workers inherit. DOCKET_TEST_CEPH_DIR keeps the cluster across runs and reuses the one
 * already running there (like DOCKET_TEST_ENGINE_DIR for the engine). Resolves with the
 * teardown. A run without a gateway fails: it does not skip.
 */
export async function startCeph(): Promise<() => Promise<void>> {
  const keep = process.env.DOCKET_TEST_CEPH_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'docket-test-ceph-'));
  let out: string;
  try {
    ({ stdout: out } = await promisify(execFile)('bash', [SCRIPT, 'start', dir], {
      encoding: 'utf8',
      timeout: 600_000,
    }));
  } catch (err) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`no Ceph S3 gateway for the tests: ${SCRIPT} failed\n${stderr}`);
  }
  for (const line of out.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && (ENV_NAMES as readonly string[]).includes(m[1] as string))
      process.env[m[1] as string] = m[2];
  }
  for (const name of ENV_NAMES)
    if (!process.env[name]) throw new Error(`${SCRIPT} printed no ${name}: ${out}`);
  return async () => {
    if (keep) return;
    await promisify(execFile)('bash', [SCRIPT, 'stop', dir]).catch((err: Error) =>
      console.warn(`could not stop the test Ceph cluster in ${dir}: ${err.message}`),
    );
    rmSync(dir, { recursive: true, force: true });
  };
}

/** The gateway the run's global setup started (startCeph). */
export function s3Endpoint(): string {
  const endpoint = process.env.DOCKET_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('DOCKET_TEST_S3_ENDPOINT unset: the global setup starts Ceph');
  return endpoint;
}

/** A client of the test gateway, path-style, credentials from AWS_* (set by startCeph). */
export function s3TestClient(): S3Client {
  return new S3Client({
    endpoint: s3Endpoint(),
    region: process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A new, empty bucket on the test gateway. */
export async function freshBucket(client: S3Client): Promise<string> {
  const bucket = `docket-test-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}
