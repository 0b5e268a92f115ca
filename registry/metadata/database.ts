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

/** Applies every migration above the current user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  const pending = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of pending) {
    if (m.version <= current) continue;
    if (m.version !== current + 1) {
      throw new Error(
        `migration ${m.version} follows ${current}: migrations must be numbered 1, 2, 3...`,
      );
    }
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    current = m.version;
  }
  return current;
}
