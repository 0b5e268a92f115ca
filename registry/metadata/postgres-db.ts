import type PgClient from 'pg-native';
import { DatabaseError, type Db, type RunResult, type SqlValue } from './db.js';
import { numberPlaceholders } from './placeholders.js';

type Client = InstanceType<typeof PgClient>;

/** PQtransactionStatus: idle, in a transaction, in a failed one; 4 = the connection is bad. */
const PQTRANS_UNKNOWN = 4;

/**
 * Column types as the records expect them, as SQLite hands them out: integers (int8
 * too: sizes and ids stay below 2^53) and numerics as numbers, bytea as a Buffer, the
 * rest as text (the metadata keeps times as ISO-8601 text in both engines).
 */
const TYPES = {
  getTypeParser(oid: number): (value: string) => unknown {
    switch (oid) {
      case 20: // int8
      case 21: // int2
      case 23: // int4
      case 26: // oid
      case 700: // float4
      case 701: // float8
      case 1700: // numeric
        return Number;
      case 16: // bool
        return (v) => v === 't';
      case 17: // bytea, hex output (PostgreSQL ≥ 9.0)
        return (v) => Buffer.from(v.slice(2), 'hex');
      default:
        return (v) => v;
    }
  },
};

/**
 * `Db` on one PostgreSQL connection through pg-native (libpq's synchronous calls): the
 * same synchronous contract as SqliteDb, so the records and their callers do not change.
 * Each call blocks the event loop for one round trip to the server (docs/architecture.md
 * has the numbers): the server belongs on loopback or a near network.
 *
 * Statements are `?`-placeholder text, numbered once (placeholders.ts) and prepared once
 * per connection. Transactions are BEGIN/COMMIT (READ COMMITTED), savepoints when nested;
 * while one runs, nothing else in this process can reach the connection. A connection
 * found broken after an error is replaced at the next call (the failing call throws; no
 * statement is retried).
 */
export class PostgresDb implements Db {
  readonly engine = 'postgres';
  private client: Client;
  private statements = new Map<string, string>();
  private depth = 0;

  private constructor(
    private readonly Client: typeof PgClient,
    private readonly url: string,
  ) {
    this.client = this.connect();
  }

  /** Connects to `url` (a postgres:// URL). Throws DatabaseError, with the password redacted. */
  static open(Client: typeof PgClient, url: string): PostgresDb {
    return new PostgresDb(Client, url);
  }

  get<T>(sql: string, ...params: SqlValue[]): T | undefined {
    return this.execute(sql, params)[0] as T | undefined;
  }

  all<T>(sql: string, ...params: SqlValue[]): T[] {
    return this.execute(sql, params) as T[];
  }

  run(sql: string, ...params: SqlValue[]): RunResult {
    this.execute(sql, params);
    return { changes: Number.parseInt(this.client.pq.cmdTuples(), 10) || 0 };
  }

  exec(sql: string): void {
    this.call(() => this.client.querySync(sql));
  }

  transaction<T>(fn: () => T): T {
    const savepoint = this.depth > 0 ? `docket_${this.depth}` : undefined;
    this.exec(savepoint ? `SAVEPOINT ${savepoint}` : 'BEGIN');
    this.depth++;
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise) throw new TypeError('a transaction function cannot be async');
    } catch (err) {
      this.depth--;
      try {
        this.exec(savepoint ? `ROLLBACK TO SAVEPOINT ${savepoint}` : 'ROLLBACK');
      } catch {
        // A broken connection has rolled back already; the first error is the one to tell.
      }
      throw err;
    }
    this.depth--;
    this.exec(savepoint ? `RELEASE SAVEPOINT ${savepoint}` : 'COMMIT');
    return result;
  }

  tryLock(key: string): boolean {
    return (
      this.get<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext(?)) AS locked', key)
        ?.locked === true
    );
  }

  unlock(key: string): void {
    this.get('SELECT pg_advisory_unlock(hashtext(?)) AS unlocked', key);
  }

  close(): void {
    this.client.end();
  }

  private execute(sql: string, params: SqlValue[]): Record<string, unknown>[] {
    return this.call(() => {
      let name = this.statements.get(sql);
      if (!name) {
        name = `s${this.statements.size + 1}`;
        this.client.prepareSync(name, numberPlaceholders(sql), params.length);
        this.statements.set(sql, name);
      }
      return this.client.executeSync(name, params.map(toText));
    });
  }

  private call<T>(fn: () => T): T {
    if (this.client.pq.transactionStatus() === PQTRANS_UNKNOWN && this.depth === 0) {
      this.client.end();
      this.statements = new Map();
      this.client = this.connect();
    }
    try {
      return fn();
    } catch (err) {
      const fields = this.client.pq.resultErrorFields();
      throw new DatabaseError((err as Error).message.trim(), fields?.sqlState, { cause: err });
    }
  }

  private connect(): Client {
    const client = new this.Client({ types: TYPES });
    try {
      client.connectSync(this.url);
      // libpq prints NOTICEs on stderr (CREATE TABLE IF NOT EXISTS …, skipping).
      client.querySync('SET client_min_messages = warning');
    } catch (err) {
      throw new DatabaseError(
        `cannot connect to ${redactUrl(this.url)}: ${redact((err as Error).message.trim(), this.url)}`,
        undefined,
      );
    }
    return client;
  }
}

/** Parameters go as text (libpq's text format): bytea in its hex form. */
function toText(v: SqlValue): string | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  return String(v);
}

/** The URL with its password replaced by `***` (for logs and errors). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
  }
}

function redact(message: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return message;
  }
  return password ? message.split(password).join('***') : message;
}
