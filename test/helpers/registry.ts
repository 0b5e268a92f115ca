import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEFAULT_CONFIG, type RegistryConfig } from '../../registry/config.js';
import { type RunningRegistry, startRegistry } from '../../registry/main.js';
import { openPostgres } from '../../registry/metadata/database.js';
import { Metadata } from '../../registry/metadata/metadata.js';
import { freshPostgresDatabase } from './metadata-engines.js';

/**
 * DOCKET_TEST_REGISTRY_DATABASE=postgres runs every test registry on a new PostgreSQL
 * database of the run's server (one per data directory, kept across its restarts) instead
 * of SQLite: the registry tests on the other engine, by hand (tests that read docket.db
 * themselves fail then).
 */
const onPostgres = process.env.DOCKET_TEST_REGISTRY_DATABASE === 'postgres';
const databases = new Map<string, Awaited<ReturnType<typeof freshPostgresDatabase>>>();

async function databaseFor(dataDir: string): Promise<string | undefined> {
  if (!onPostgres) return undefined;
  let db = databases.get(dataDir);
  if (!db) {
    db = await freshPostgresDatabase();
    databases.set(dataDir, db);
  }
  return db.url;
}

export interface TestRegistry {
  /** http://127.0.0.1:<port> */
  url: string;
  /** `127.0.0.1:<port>`, for image references. */
  host: string;
  port: number;
  /** The admin token (for Bearer or Basic auth). */
  token: string;
  dataDir: string;
  registry: RunningRegistry;
  /** Stops the registry; removes the data dir unless the caller passed its own. */
  close(): Promise<void>;
}

/**
 * The metadata of the registry whose data directory is `dataDir` (its SQLite file, or its
 * PostgreSQL database under DOCKET_TEST_REGISTRY_DATABASE=postgres), opened beside it.
 */
export async function openTestMetadata(dataDir: string): Promise<Metadata> {
  const url = await databaseFor(dataDir);
  return url ? new Metadata(await openPostgres(url)) : Metadata.open(join(dataDir, 'docket.db'));
}

/**
 * Starts a real registry on 127.0.0.1, port 0, in a fresh temp data dir (or `dataDir`,
 * to restart on the same data). Logs go nowhere unless DOCKET_TEST_LOG is set.
 */
export async function startTestRegistry(
  overrides: Partial<RegistryConfig> = {},
): Promise<TestRegistry> {
  const ownDir = overrides.dataDir === undefined;
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'docket-registry-test-')));
  const config: RegistryConfig = {
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port: 0,
    ...overrides,
    dataDir,
  };
  config.database ??= await databaseFor(dataDir);
  const logger = pino({ level: process.env.DOCKET_TEST_LOG ?? 'silent' });
  const registry = await startRegistry(config, { logger });
  if (registry.adminToken === undefined) {
    await registry.close();
    throw new Error("startTestRegistry: the database holds another registry's admin token");
  }
  return {
    url: registry.url,
    host: new URL(registry.url).host,
    port: registry.port,
    token: registry.adminToken,
    dataDir,
    registry,
    async close() {
      await registry.close();
      if (ownDir) {
        await rm(dataDir, { recursive: true, force: true });
        await databases.get(dataDir)?.drop();
        databases.delete(dataDir);
      }
    },
  };
}

/**
 * Uploads `bytes` as blob `digest` of `repository` in one request (distribution-spec
 * "POST then PUT" in its single-POST form, `?digest=`), with the admin token; resolves
 * with the response status (201 when stored).
 */
export async function uploadBlob(
  registry: TestRegistry,
  repository: string,
  blob: { digest: string; bytes: Buffer },
): Promise<number> {
  const res = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/?digest=${blob.digest}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${registry.token}`,
      'content-type': 'application/octet-stream',
    },
    body: blob.bytes,
  });
  await res.body?.cancel();
  return res.status;
}
