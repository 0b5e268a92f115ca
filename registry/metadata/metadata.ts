import { BlobRecords } from './blobs.js';
import { type Db, openDatabase } from './database.js';
import { ManifestRecords } from './manifests.js';
import { TagRecords } from './tags.js';
import { TokenRecords } from './tokens.js';

/** The registry's SQLite metadata: one handle per table group, sharing one connection. */
export class Metadata {
  readonly blobs: BlobRecords;
  readonly manifests: ManifestRecords;
  readonly tags: TagRecords;
  readonly tokens: TokenRecords;

  constructor(readonly db: Db) {
    this.blobs = new BlobRecords(db);
    this.manifests = new ManifestRecords(db);
    this.tags = new TagRecords(db);
    this.tokens = new TokenRecords(db);
  }

  static open(path: string): Metadata {
    return new Metadata(openDatabase(path));
  }

  /** Runs `fn` in one SQLite transaction (synchronous, as better-sqlite3 requires). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}
