import type { Db } from './database.js';

export interface TokenRecord {
  id: number;
  name: string;
  createdAt: string;
}

/** The `tokens` table: API tokens by name, stored as hashes only. */
export class TokenRecords {
  constructor(private readonly db: Db) {}

  insert(name: string, hash: string): void {
    this.db
      .prepare('INSERT INTO tokens (name, hash, created_at) VALUES (?, ?, ?)')
      .run(name, hash, new Date().toISOString());
  }

  /** Sets the hash of the token named `name`, creating it when missing. */
  upsert(name: string, hash: string): void {
    this.db
      .prepare(
        `INSERT INTO tokens (name, hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET hash = excluded.hash`,
      )
      .run(name, hash, new Date().toISOString());
  }

  findByHash(hash: string): TokenRecord | undefined {
    const row = this.db
      .prepare('SELECT id, name, created_at FROM tokens WHERE hash = ?')
      .get(hash) as { id: number; name: string; created_at: string } | undefined;
    return row && { id: row.id, name: row.name, createdAt: row.created_at };
  }

  findByName(name: string): TokenRecord | undefined {
    const row = this.db
      .prepare('SELECT id, name, created_at FROM tokens WHERE name = ?')
      .get(name) as { id: number; name: string; created_at: string } | undefined;
    return row && { id: row.id, name: row.name, createdAt: row.created_at };
  }

  findById(id: number): TokenRecord | undefined {
    const row = this.db.prepare('SELECT id, name, created_at FROM tokens WHERE id = ?').get(id) as
      | { id: number; name: string; created_at: string }
      | undefined;
    return row && { id: row.id, name: row.name, createdAt: row.created_at };
  }

  list(): TokenRecord[] {
    const rows = this.db.prepare('SELECT id, name, created_at FROM tokens ORDER BY id').all() as {
      id: number;
      name: string;
      created_at: string;
    }[];
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }
}
