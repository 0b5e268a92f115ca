import Database from 'better-sqlite3';
import { type Migration, MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** Opens (creating when missing) the SQLite file in WAL mode and applies pending migrations. */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

/**
 * Applies every migration not applied yet, in ascending order, each in its own
 * transaction. Numbers may have gaps, and a lower number may arrive after a higher one
 * was applied (numbers are handed out to parallel branches), so the applied versions are
 * kept in `schema_migrations`; PRAGMA user_version holds the highest. A database from
 * before that table had exactly the versions up to its user_version applied.
 */
export function migrate(db: Db, migrations: readonly Migration[]): number {
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
