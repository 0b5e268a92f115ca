import type { Db } from './db.js';

export interface TokenRecord {
  id: number;
  name: string;
  /** Scope strings (lib/api/scopes.ts), as stored. */
  scopes: string[];
  /** The per-token key of its passkeys and signed URLs; replaced on rotation. */
  secret: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

interface Row {
  id: number;
  name: string;
  scopes: string;
  secret: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const COLUMNS = 'id, name, scopes, secret, created_at, expires_at, last_used_at';

/**
 * The `tokens` table: API tokens by name, stored as sha256 hashes only, with their scopes,
 * per-token secret, expiry and last use. Revoking a token deletes its row; ids are never
 * reused (AUTOINCREMENT), so a passkey or signed URL naming a deleted id stays dead.
 */
export class TokenRecords {
  constructor(private readonly db: Db) {}

  /** Throws on a duplicate name (SQLite UNIQUE constraint). */
  insert(t: {
    name: string;
    hash: string;
    scopes: string[];
    secret: string;
    expiresAt: string | null;
  }): TokenRecord {
    this.db.run(
      'INSERT INTO tokens (name, hash, scopes, secret, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      t.name,
      t.hash,
      JSON.stringify(t.scopes),
      t.secret,
      new Date().toISOString(),
      t.expiresAt,
    );
    return this.findByName(t.name) as TokenRecord;
  }

  /**
   * Sets the hash and scopes of the token named `name`, creating it when missing; a new
   * hash also gets a new secret (a changed admin-token file is a rotation).
   */
  upsert(name: string, hash: string, scopes: string[], secret: string): void {
    this.db.run(
      `INSERT INTO tokens (name, hash, scopes, secret, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET
           secret = CASE WHEN tokens.hash = excluded.hash AND tokens.secret IS NOT NULL
                         THEN tokens.secret ELSE excluded.secret END,
           hash = excluded.hash, scopes = excluded.scopes, expires_at = NULL`,
      name,
      hash,
      JSON.stringify(scopes),
      secret,
      new Date().toISOString(),
    );
  }

  /** Inserts the token `name` unless one of that name exists; false when it did. */
  insertIfAbsent(name: string, hash: string, scopes: string[], secret: string): boolean {
    return (
      this.db.run(
        `INSERT INTO tokens (name, hash, scopes, secret, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (name) DO NOTHING`,
        name,
        hash,
        JSON.stringify(scopes),
        secret,
        new Date().toISOString(),
      ).changes > 0
    );
  }

  /** New hash and secret for `name`; false when there is no such token. */
  rotate(name: string, hash: string, secret: string): boolean {
    return (
      this.db.run('UPDATE tokens SET hash = ?, secret = ? WHERE name = ?', hash, secret, name)
        .changes > 0
    );
  }

  /** Deletes the token named `name`; false when there is none. */
  delete(name: string): boolean {
    return this.db.run('DELETE FROM tokens WHERE name = ?', name).changes > 0;
  }

  touch(id: number, at: string): void {
    this.db.run('UPDATE tokens SET last_used_at = ? WHERE id = ?', at, id);
  }

  findByHash(hash: string): TokenRecord | undefined {
    return record(this.db.get(`SELECT ${COLUMNS} FROM tokens WHERE hash = ?`, hash));
  }

  findByName(name: string): TokenRecord | undefined {
    return record(this.db.get(`SELECT ${COLUMNS} FROM tokens WHERE name = ?`, name));
  }

  findById(id: number): TokenRecord | undefined {
    return record(this.db.get(`SELECT ${COLUMNS} FROM tokens WHERE id = ?`, id));
  }

  list(): TokenRecord[] {
    return (this.db.all(`SELECT ${COLUMNS} FROM tokens ORDER BY id`) as Row[]).map(
      (r) => record(r) as TokenRecord,
    );
  }
}

function record(row: unknown): TokenRecord | undefined {
  const r = row as Row | undefined;
  if (!r) return undefined;
  let scopes: unknown;
  try {
    scopes = JSON.parse(r.scopes);
  } catch {
    scopes = [];
  }
  return {
    id: r.id,
    name: r.name,
    scopes: Array.isArray(scopes) ? scopes.filter((s) => typeof s === 'string') : [],
    // A row without a secret (written by an older version after migration 5) gets no
    // passkey or signed URL that verifies: '' never matches a MAC made with a real one.
    secret: r.secret ?? '',
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
  };
}
