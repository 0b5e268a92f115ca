import { BlobRecords } from './blobs.js';
import { openSqlite } from './database.js';
import type { Db } from './db.js';
import { ManifestRecords } from './manifests.js';
import { TagRecords } from './tags.js';
import { TokenRecords } from './tokens.js';
import { UploadSessionRecords } from './upload-sessions.js';

/**
 * The registry's metadata: one handle per table group, sharing one connection (`Db`:
 * SQLite by default, or PostgreSQL with `--database postgres://…`).
 */
export class Metadata {
  readonly blobs: BlobRecords;
  readonly manifests: ManifestRecords;
  readonly tags: TagRecords;
  readonly tokens: TokenRecords;
  readonly uploadSessions: UploadSessionRecords;

  constructor(readonly db: Db) {
    this.blobs = new BlobRecords(db);
    this.manifests = new ManifestRecords(db);
    this.tags = new TagRecords(db);
    this.tokens = new TokenRecords(db);
    this.uploadSessions = new UploadSessionRecords(db);
  }

  /** The SQLite file at `path`, created or migrated. */
  static open(path: string): Metadata {
    return new Metadata(openSqlite(path));
  }

  /**
   * Runs `fn` in one transaction (synchronous: nothing else in the process reaches the
   * database until it returns). Nested calls are savepoints.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  close(): void {
    this.db.close();
  }
}
