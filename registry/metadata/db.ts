/**
 * The SQL engine the metadata records speak through (the records classes hold the SQL,
 * this holds the connection). Two implementations, chosen by `--database`:
 * `SqliteDb` (better-sqlite3, the default) and `PostgresDb` (pg-native, libpq).
 *
 * Every call is synchronous: the registry calls the metadata from request handlers and
 * from inside `transaction(fn)` without awaiting. Statements are written once, in the
 * subset both engines accept: `?` placeholders, `INSERT … ON CONFLICT … DO NOTHING|UPDATE`,
 * `CAST(? AS TEXT)` where PostgreSQL cannot infer a parameter's type, quoted aliases for
 * mixed-case column names ("usedAt"), no engine functions beyond COALESCE, COUNT, SUM,
 * length. Schema differences (types) live in the migrations (migrations.ts).
 */
export type SqlValue = string | number | Buffer | null;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

export type Engine = 'sqlite' | 'postgres';

export interface Db {
  readonly engine: Engine;
  /** The first row of a query, undefined when there is none. */
  get<T>(sql: string, ...params: SqlValue[]): T | undefined;
  all<T>(sql: string, ...params: SqlValue[]): T[];
  run(sql: string, ...params: SqlValue[]): RunResult;
  /** Runs statements without parameters (a migration, say). */
  exec(sql: string): void;
  /**
   * Runs `fn` in one transaction: committed when it returns, rolled back when it throws
   * (the error is rethrown). Nested calls are savepoints. `fn` must not return a Promise:
   * nothing else may use the connection until it returns.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Takes the database-wide lock `key` unless another connection holds it: true when
   * taken (again by this connection too), false at once when another holds it. On
   * PostgreSQL a session advisory lock, so registries sharing the database exclude each
   * other; it ends with `unlock` or with the connection (a replaced or closed one).
   * On SQLite always true: one process per file (data-lock.ts), and the process guards
   * itself.
   */
  tryLock(key: string): boolean;
  /** Releases one `tryLock(key)` of this connection; nothing when it holds none. */
  unlock(key: string): void;
  close(): void;
}

/** A statement the database refused, with the engine's error code (SQLITE_…, or SQLSTATE). */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}
