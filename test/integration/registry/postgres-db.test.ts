import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../registry/metadata/database.js';
import { DatabaseError } from '../../../registry/metadata/db.js';
import { freshPostgresDatabase } from '../../helpers/metadata-engines.js';

const DATABASE_JS = new URL('../../../dist/registry/metadata/database.js', import.meta.url).href;
const MIGRATIONS_JS = new URL('../../../dist/registry/metadata/migrations.js', import.meta.url)
  .href;

/** What only PostgresDb has to get right: replicas migrating at once, a lost connection. */
describe('PostgresDb', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  beforeEach(async () => {
    database = await freshPostgresDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  it('applies each migration once when two registries start together', async () => {
    // A slow extra migration: without the advisory lock both would run it, and the second
    // would fail on the table or on schema_migrations' key.
    const script = `
      const { openPostgres } = await import(${JSON.stringify(DATABASE_JS)});
      const { MIGRATIONS } = await import(${JSON.stringify(MIGRATIONS_JS)});
      const db = await openPostgres(process.argv[1], [
        ...MIGRATIONS,
        { version: 1001, sql: 'SELECT pg_sleep(0.5); CREATE TABLE t1001 (x INTEGER)' },
      ]);
      db.close();`;
    const run = () =>
      promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, database.url]);
    await Promise.all([run(), run()]);
    const db = await openPostgres(database.url, []);
    try {
      const rows = db.all<{ version: number; n: number }>(
        'SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      expect(rows.at(-1)).toEqual({ version: 1001, n: 1 });
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('fails the call that finds its connection gone, and reconnects for the next', async () => {
    const db = await openPostgres(database.url);
    const admin = await openPostgres(database.url, []);
    try {
      const pid = db.get<{ pid: number }>('SELECT pg_backend_pid() AS pid')?.pid as number;
      admin.get('SELECT pg_terminate_backend(?::int)', pid);
      expect(() => db.get('SELECT 1 AS one')).toThrow(DatabaseError);
      expect(db.get('SELECT 1 AS one')).toEqual({ one: 1 });
      expect(db.get<{ pid: number }>('SELECT pg_backend_pid() AS pid')?.pid).not.toBe(pid);
    } finally {
      admin.close();
      db.close();
    }
  });
});
