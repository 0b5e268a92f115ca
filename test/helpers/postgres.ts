import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = new URL('../../scripts/postgres.sh', import.meta.url).pathname;

/**
 * Starts a throwaway PostgreSQL 15 server on loopback (scripts/postgres.sh) for the whole
 * test run and sets DOCKET_TEST_DATABASE_URL in process.env, which the test workers
 * inherit; each test makes its own database there (helpers/metadata-engines.ts).
 * DOCKET_TEST_PG_DIR keeps the server across runs and reuses the one already running
 * there (like DOCKET_TEST_CEPH_DIR). Resolves with the teardown. A run without a server
 * fails: it does not skip.
 */
export async function startPostgres(): Promise<() => Promise<void>> {
  const keep = process.env.DOCKET_TEST_PG_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'docket-test-pg-'));
  let out: string;
  try {
    ({ stdout: out } = await promisify(execFile)('bash', [SCRIPT, 'start', dir], {
      encoding: 'utf8',
      timeout: 900_000,
    }));
  } catch (err) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`no PostgreSQL for the tests: ${SCRIPT} failed\n${stderr}`);
  }
  const url = /^DOCKET_TEST_DATABASE_URL=(\S+)$/m.exec(out)?.[1];
  if (!url) throw new Error(`${SCRIPT} printed no DOCKET_TEST_DATABASE_URL`);
  process.env.DOCKET_TEST_DATABASE_URL = url;
  return async () => {
    if (keep) return;
    await promisify(execFile)('bash', [SCRIPT, 'stop', dir]).catch((err: Error) =>
      console.warn(`could not stop the test PostgreSQL in ${dir}: ${err.message}`),
    );
    rmSync(dir, { recursive: true, force: true });
  };
}
