import type { Db } from './db.js';

/** An open blob upload session, as registries sharing the database see it. */
export interface UploadSessionRecord {
  id: string;
  /** The repository and token name (null: no credentials) that opened it. */
  repository: string;
  token: string | null;
  /** When a request last wrote to it, in ms since the epoch. */
  lastUsedMs: number;
}

interface Row {
  id: string;
  repository: string;
  token: string | null;
  last_used_ms: number;
}

/**
 * The `upload_sessions` table: who opened each upload session and when it was last
 * written to, so a registry sharing the database (and the blob store, which holds the
 * bytes) continues a session another one started, and expires it only once it is idle
 * everywhere.
 */
export class UploadSessionRecords {
  constructor(private readonly db: Db) {}

  insert(r: UploadSessionRecord): void {
    this.db.run(
      'INSERT INTO upload_sessions (id, repository, token, last_used_ms) VALUES (?, ?, ?, ?)',
      r.id,
      r.repository,
      r.token,
      r.lastUsedMs,
    );
  }

  get(id: string): UploadSessionRecord | undefined {
    const r = this.db.get<Row>(
      'SELECT id, repository, token, last_used_ms FROM upload_sessions WHERE id = ?',
      id,
    );
    return r && { id: r.id, repository: r.repository, token: r.token, lastUsedMs: r.last_used_ms };
  }

  touch(id: string, atMs: number): void {
    this.db.run(
      'UPDATE upload_sessions SET last_used_ms = ? WHERE id = ? AND last_used_ms < ?',
      atMs,
      id,
      atMs,
    );
  }

  delete(id: string): void {
    this.db.run('DELETE FROM upload_sessions WHERE id = ?', id);
  }

  /** The sessions no request has written to since `cutoffMs`. */
  idleSince(cutoffMs: number): string[] {
    return this.db
      .all<{ id: string }>('SELECT id FROM upload_sessions WHERE last_used_ms < ?', cutoffMs)
      .map((r) => r.id);
  }

  /** Deletes the session if it is still idle since `cutoffMs`; true when this call did. */
  deleteIfIdle(id: string, cutoffMs: number): boolean {
    return (
      this.db.run('DELETE FROM upload_sessions WHERE id = ? AND last_used_ms < ?', id, cutoffMs)
        .changes > 0
    );
  }
}
