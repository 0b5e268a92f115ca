import type Database from 'better-sqlite3';
import { DatabaseError, type Db, type RunResult, type SqlValue } from './db.js';

/**
 * `Db` on one better-sqlite3 connection (the default metadata store,
 * `<data-dir>/docket.db`). Statements are prepared once and cached by text.
 * Transactions are better-sqlite3's (BEGIN, savepoints when nested); one process owns the
 * file (registry/data-lock.ts), so a transaction sees no other writer.
 */
export class SqliteDb implements Db {
  readonly engine = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly raw: Database.Database) {}

  get<T>(sql: string, ...params: SqlValue[]): T | undefined {
    return this.call(() => this.statement(sql).get(...params) as T | undefined);
  }

  all<T>(sql: string, ...params: SqlValue[]): T[] {
    return this.call(() => this.statement(sql).all(...params) as T[]);
  }

  run(sql: string, ...params: SqlValue[]): RunResult {
    return this.call(() => ({ changes: this.statement(sql).run(...params).changes }));
  }

  exec(sql: string): void {
    this.call(() => this.raw.exec(sql));
  }

  transaction<T>(fn: () => T): T {
    return this.raw.transaction(fn)();
  }

  tryLock(_key: string): boolean {
    return true;
  }

  unlock(_key: string): void {}

  close(): void {
    this.statements.clear();
    this.raw.close();
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_')) throw err;
      throw new DatabaseError((err as Error).message, code, { cause: err });
    }
  }
}
