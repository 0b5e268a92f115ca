import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../../../registry/metadata/database.js';
import { MIGRATIONS } from '../../../../registry/metadata/migrations.js';

describe('metadata migrations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-test-sqlite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates every table in WAL mode and records the version', () => {
    const db = openDatabase(join(dir, 'm.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(
      Math.max(...MIGRATIONS.map((m) => m.version)),
    );
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    for (const t of ['blobs', 'manifests', 'manifest_refs', 'tags', 'tag_history', 'tokens'])
      expect(tables).toContain(t);
    db.close();
  });

  it('applies only pending migrations, in order, and keeps data', () => {
    const path = join(dir, 'm.db');
    const db = new Database(path);
    expect(migrate(db, [{ version: 1, sql: 'CREATE TABLE t (x INTEGER)' }])).toBe(1);
    db.prepare('INSERT INTO t VALUES (7)').run();
    const next = [
      { version: 1, sql: 'CREATE TABLE t (x INTEGER)' },
      { version: 2, sql: 'ALTER TABLE t ADD COLUMN y TEXT' },
    ];
    expect(migrate(db, next)).toBe(2);
    expect(migrate(db, next)).toBe(2);
    expect(db.prepare('SELECT x, y FROM t').all()).toEqual([{ x: 7, y: null }]);
    db.close();
  });

  it('tolerates gaps and applies a lower number that arrives after a higher one', () => {
    const db = new Database(join(dir, 'm.db'));
    const first = [
      { version: 1, sql: 'CREATE TABLE t (x INTEGER)' },
      { version: 3, sql: 'ALTER TABLE t ADD COLUMN z TEXT' },
    ];
    expect(migrate(db, first)).toBe(3);
    const merged = [...first, { version: 2, sql: 'ALTER TABLE t ADD COLUMN y TEXT' }];
    expect(migrate(db, merged)).toBe(3);
    expect(migrate(db, merged)).toBe(3);
    db.prepare("INSERT INTO t VALUES (1, 'z', 'y')").run();
    expect(db.prepare('SELECT x, y, z FROM t').all()).toEqual([{ x: 1, y: 'y', z: 'z' }]);
    db.close();
  });

  it('takes a database from before schema_migrations as having versions up to user_version', () => {
    const db = new Database(join(dir, 'm.db'));
    db.exec('CREATE TABLE t (x INTEGER)');
    db.pragma('user_version = 1');
    const next = [
      { version: 1, sql: 'CREATE TABLE t (x INTEGER)' },
      { version: 2, sql: 'ALTER TABLE t ADD COLUMN y TEXT' },
    ];
    expect(migrate(db, next)).toBe(2);
    expect(db.prepare('SELECT x, y FROM t').all()).toEqual([]);
    db.close();
  });

  it('rolls back a failing migration as a whole', () => {
    const db = new Database(join(dir, 'm.db'));
    expect(() =>
      migrate(db, [{ version: 1, sql: 'CREATE TABLE ok (x); CREATE TABLE broken (' }]),
    ).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").get()).toBeUndefined();
    db.close();
  });
  // Tags and their history across reopening: metadata-suite.ts, on both engines.
});
