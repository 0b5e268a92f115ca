import Database from 'better-sqlite3';
import type { Db } from './db.js';
import { type Migration, MIGRATIONS } from './migrations.js';
import { PostgresDb } from './postgres-db.js';
import { SqliteDb } from './sqlite-db.js';

/** Opens (creating when missing) the SQLite file in WAL mode and applies pending migrations. */
export function openDatabase(
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

/** `openDatabase` as the metadata's `Db`. */
export function openSqlite(path: string, migrations: readonly Migration[] = MIGRATIONS): SqliteDb {
  return new SqliteDb(openDatabase(path, migrations));
}

/** The package that speaks to PostgreSQL, optional: built against libpq when installed. */
const PG_NATIVE = 'pg-native';

/**
 * Connects to the PostgreSQL database at `url` (postgres://…) and applies pending
 * migrations. pg-native is loaded here, on first use, so that an install without libpq
 * runs everything else. Throws DatabaseError (the password redacted) or, without
 * pg-native, an Error naming the packages to install.
 */
export async function openPostgres(
  url: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<PostgresDb> {
  let Client: typeof import('pg-native').default;
  try {
    Client = (await import(PG_NATIVE)).default;
  } catch (err) {
    throw new Error(
      'PostgreSQL needs the optional package pg-native, which builds against libpq: ' +
        'install libpq-dev (Debian: apt-get install libpq-dev), then install docket again ' +
        `(npm install) (${(err as Error).message})`,
      { cause: err },
    );
  }
  const db = PostgresDb.open(Client, url);
  try {
    migratePostgres(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Applies every migration not applied yet, in ascending order, each in its own
 * transaction. Numbers may have gaps, and a lower number may arrive after a higher one
 * was applied (numbers are handed out to parallel branches), so the applied versions are
 * kept in `schema_migrations`; PRAGMA user_version holds the highest. A database from
 * before that table had exactly the versions up to its user_version applied.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[]): number {
  const known = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  let current = db.pragma('user_version', { simple: true }) as number;
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
    if (known) return;
    const record = db.prepare('INSERT OR IGNORE INTO schema_migrations (version) VALUES (?)');
    for (const m of sorted) if (m.version <= current) record.run(m.version);
  })();
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version) VALUES (?)').run(m.version);
      current = Math.max(current, m.version);
      db.pragma(`user_version = ${current}`);
    })();
  }
  return current;
}

/**
 * `migrate` on PostgreSQL: the same bookkeeping in `schema_migrations`, each migration's
 * `postgres` text (else its `sql`) in its own transaction, all under a session advisory
 * lock, so replicas starting together apply each migration once: the second waits, then
 * finds it applied. Returns the highest version applied.
 */
export function migratePostgres(db: Db, migrations: readonly Migration[]): number {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  db.exec("SELECT pg_advisory_lock(hashtext('docket.schema_migrations'))");
  try {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
    const applied = new Set(
      db.all<{ version: number }>('SELECT version FROM schema_migrations').map((r) => r.version),
    );
    for (const m of sorted) {
      if (applied.has(m.version)) continue;
      db.transaction(() => {
        db.exec(m.postgres ?? m.sql);
        db.run('INSERT INTO schema_migrations (version) VALUES (?)', m.version);
      });
      applied.add(m.version);
    }
    return Math.max(0, ...applied);
  } finally {
    db.exec("SELECT pg_advisory_unlock(hashtext('docket.schema_migrations'))");
  }
}
