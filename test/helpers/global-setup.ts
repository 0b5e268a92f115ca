import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImage } from '../../testbed/images.js';
import { startCeph } from './ceph.js';
import { startPostgres } from './postgres.js';

const SCRIPT = new URL('../../scripts/docker-engine.sh', import.meta.url).pathname;

/**
 * Starts a private Docker engine for the whole test run (never a mock, never the user's
 * engine: an inherited DOCKER_HOST is ignored), and makes the busybox base image every
 * test image builds FROM. A test run without an engine fails: it does not skip.
 * DOCKET_TEST_ENGINE_DIR keeps a private engine's state across runs and reuses the one
 * already running there (faster locally); DOCKET_TEST_DOCKER_HOST runs the tests on the
 * engine it names instead (scripts/docker-engine.sh).
 *
 * Also starts, at the same time, a Ceph cluster whose S3 gateway the S3 blob store tests
 * use (helpers/ceph.ts; DOCKET_TEST_CEPH_DIR keeps and reuses one), and a PostgreSQL
 * server for the metadata on PostgreSQL (helpers/postgres.ts; DOCKET_TEST_PG_DIR keeps and
 * reuses one).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const services = [startCeph(), startPostgres()];
  // Awaited below; a failure before then must not be an unhandled rejection.
  for (const s of services) s.catch(() => {});
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    stops.push(await startEngine());
  } catch (err) {
    for (const s of services)
      await s.then(
        (stop) => stop(),
        () => {},
      );
    throw err;
  }
  const started = await Promise.allSettled(services);
  for (const s of started) if (s.status === 'fulfilled') stops.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  return stopAll;
}

async function startEngine(): Promise<() => Promise<void>> {
  const keep = process.env.DOCKET_TEST_ENGINE_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'docket-test-engine-'));
  let out: string;
  try {
    out = execFileSync('bash', [SCRIPT, 'start', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  } catch (err) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw new Error(`no Docker engine for the tests: ${SCRIPT} failed (${(err as Error).message})`);
  }
  const host = /DOCKER_HOST=(\S+)\s*$/.exec(out)?.[1];
  if (!host) throw new Error(`${SCRIPT} printed no DOCKER_HOST: ${out}`);
  const started = host === `unix://${dir}/docker.sock`;
  process.env.DOCKER_HOST = host;
  await ensureBaseImage(new Docker());
  return async () => {
    if (!keep) {
      if (started) execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'inherit' });
      // The vfs storage driver keeps a full copy of every layer: gigabytes per run (and
      // with DOCKET_TEST_DOCKER_HOST the dir is empty, but still the run's to remove).
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        console.warn(
          `could not remove the test engine's directory ${dir}: ${(err as Error).message}`,
        );
      }
    }
  };
}
