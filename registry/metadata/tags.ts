import type { Digest } from '../../lib/digest.js';
import type { Db } from './db.js';

export interface TagRecord {
  repository: string;
  tag: string;
  manifestDigest: Digest;
  updatedAt: string;
}

/** What moved a tag: a push, a rollback, or a delete (the digest is the one it pointed at). */
export type TagAction = 'push' | 'rollback' | 'delete';

export interface TagHistoryEntry {
  manifestDigest: Digest;
  pushedAt: string;
  pushedBy: string | null;
  action: TagAction;
}

interface Row {
  repository: string;
  tag: string;
  manifest_digest: string;
  updated_at: string;
}

const toRecord = (r: Row): TagRecord => ({
  repository: r.repository,
  tag: r.tag,
  manifestDigest: r.manifest_digest as Digest,
  updatedAt: r.updated_at,
});

/** The `tags` and `tag_history` tables. */
export class TagRecords {
  constructor(private readonly db: Db) {}

  get(repository: string, tag: string): TagRecord | undefined {
    const row = this.db.get(
      'SELECT * FROM tags WHERE repository = ? AND tag = ?',
      repository,
      tag,
    ) as Row | undefined;
    return row && toRecord(row);
  }

  /** Points a tag at a manifest and appends the push (or rollback) to the tag's history. */
  set(
    repository: string,
    tag: string,
    digest: string,
    pushedBy: string | null,
    action: TagAction = 'push',
  ): void {
    const now = new Date().toISOString();
    this.db.run(
      `INSERT INTO tags (repository, tag, manifest_digest, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (repository, tag)
         DO UPDATE SET manifest_digest = excluded.manifest_digest, updated_at = excluded.updated_at`,
      repository,
      tag,
      digest,
      now,
    );
    this.db.run(
      `INSERT INTO tag_history (repository, tag, manifest_digest, pushed_at, pushed_by, action)
         VALUES (?, ?, ?, ?, ?, ?)`,
      repository,
      tag,
      digest,
      now,
      pushedBy,
      action,
    );
  }

  /** Deletes a tag; its history stays, with the delete appended. False when there was no tag. */
  delete(repository: string, tag: string, deletedBy: string | null = null): boolean {
    const current = this.get(repository, tag);
    if (!current) return false;
    this.db.run('DELETE FROM tags WHERE repository = ? AND tag = ?', repository, tag);
    this.db.run(
      `INSERT INTO tag_history (repository, tag, manifest_digest, pushed_at, pushed_by, action)
         VALUES (?, ?, ?, ?, ?, 'delete')`,
      repository,
      tag,
      current.manifestDigest,
      new Date().toISOString(),
      deletedBy,
    );
    return true;
  }

  /** Deletes every tag of `repository` pointing at `digest` (each recorded in its history). */
  deleteByDigest(repository: string, digest: string, deletedBy: string | null = null): void {
    const rows = this.db.all(
      'SELECT tag FROM tags WHERE repository = ? AND manifest_digest = ?',
      repository,
      digest,
    ) as { tag: string }[];
    for (const { tag } of rows) this.delete(repository, tag, deletedBy);
  }

  /** Tag names of a repository in lexical order after `last`, at most `limit`. */
  list(repository: string, limit: number, last?: string): string[] {
    const rows = this.db.all(
      'SELECT tag FROM tags WHERE repository = ? AND tag > ? ORDER BY tag LIMIT ?',
      repository,
      last ?? '',
      limit,
    ) as { tag: string }[];
    return rows.map((r) => r.tag);
  }

  all(): TagRecord[] {
    return (this.db.all('SELECT * FROM tags ORDER BY repository, tag') as Row[]).map(toRecord);
  }

  /** Every push of a tag, newest first. */
  history(repository: string, tag: string): TagHistoryEntry[] {
    const rows = this.db.all(
      `SELECT manifest_digest, pushed_at, pushed_by, action FROM tag_history
         WHERE repository = ? AND tag = ? ORDER BY id DESC`,
      repository,
      tag,
    ) as {
      manifest_digest: string;
      pushed_at: string;
      pushed_by: string;
      action: TagAction;
    }[];
    return rows.map((r) => ({
      manifestDigest: r.manifest_digest as Digest,
      pushedAt: r.pushed_at,
      pushedBy: r.pushed_by,
      action: r.action,
    }));
  }
}
