import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres, openSqlite } from '../../registry/metadata/database.js';
import type { Db, Engine } from '../../registry/metadata/db.js';
import { Metadata } from '../../registry/metadata/metadata.js';
import { MIGRATIONS, type Migration } from '../../registry/metadata/migrations.js';

/** A fresh, empty, migrated database of one engine, for one test. */
export interface TestDatabase {
  metadata: Metadata;
  /** Closes `metadata` and opens the same database again (migrations applied again). */
  reopen(migrations?: readonly Migration[]): Promise<Metadata>;
  /** Opens one more connection to the same database (as a second replica would). */
  connect(migrations?: readonly Migration[]): Promise<Db>;
  dispose(): Promise<void>;
}

/** One implementation of the metadata port, as the shared suites take it. */
export interface MetadataEngine {
  name: Engine;
  open(migrations?: readonly Migration[]): Promise<TestDatabase>;
}

export const sqliteEngine: MetadataEngine = {
  name: 'sqlite',
  async open(migrations = MIGRATIONS) {
    const dir = await mkdtemp(join(tmpdir(), 'docket-metadata-'));
    const path = join(dir, 'docket.db');
    const connections: Db[] = [];
    const db: TestDatabase = {
      metadata: new Metadata(openSqlite(path, migrations)),
      async reopen(again = MIGRATIONS) {
        db.metadata.close();
        db.metadata = new Metadata(openSqlite(path, again));
        return db.metadata;
      },
      async connect(again = MIGRATIONS) {
        const c = openSqlite(path, again);
        connections.push(c);
        return c;
      },
      async dispose() {
        db.metadata.close();
        for (const c of connections) c.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return db;
  },
};

/** The server the integration tier's global setup started (helpers/postgres.ts). */
export function testDatabaseUrl(): string {
  const url = process.env.DOCKET_TEST_DATABASE_URL;
  if (!url) throw new Error('DOCKET_TEST_DATABASE_URL unset: the global setup starts PostgreSQL');
  return url;
}

/** A new, empty database on the test server; returns its URL and how to drop it. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = testDatabaseUrl();
  const name = `docket_test_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(base, []);
  try {
    admin.exec(`CREATE DATABASE ${name} STRATEGY FILE_COPY`);
  } finally {
    admin.close();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = await openPostgres(base, []);
      try {
        again.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        again.close();
      }
    },
  };
}

/** A new PostgreSQL database per `open()` on the run's test server. */
export const postgresEngine: MetadataEngine = {
  name: 'postgres',
  async open(migrations = MIGRATIONS) {
    const { url, drop } = await freshPostgresDatabase();
    const connections: Db[] = [];
    const db: TestDatabase = {
      metadata: new Metadata(await openPostgres(url, migrations)),
      async reopen(again = MIGRATIONS) {
        db.metadata.close();
        db.metadata = new Metadata(await openPostgres(url, again));
        return db.metadata;
      },
      async connect(again = MIGRATIONS) {
        const c = await openPostgres(url, again);
        connections.push(c);
        return c;
      },
      async dispose() {
        db.metadata.close();
        for (const c of connections) c.close();
        await drop();
      },
    };
    return db;
  },
};
