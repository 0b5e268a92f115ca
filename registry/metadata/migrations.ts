/**
 * Numbered schema migrations, applied in order; PRAGMA user_version holds the number
 * of the last one applied. Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE blobs (
        digest TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        media_type TEXT,
        diff_id TEXT,
        infohash TEXT NOT NULL,
        torrent_info BLOB NOT NULL,
        piece_length INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX blobs_diff_id ON blobs (diff_id);
      CREATE INDEX blobs_infohash ON blobs (infohash);

      CREATE TABLE manifests (
        digest TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        content BLOB NOT NULL,
        config_digest TEXT,
        created_at TEXT NOT NULL
      );

      -- Every blob (config, layers) or child manifest (index) a manifest names.
      CREATE TABLE manifest_refs (
        manifest_digest TEXT NOT NULL REFERENCES manifests (digest),
        position INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('config', 'layer', 'manifest')),
        digest TEXT NOT NULL,
        PRIMARY KEY (manifest_digest, position)
      );
      CREATE INDEX manifest_refs_digest ON manifest_refs (digest);

      -- Which repositories hold a manifest (pushed by digest or by tag).
      CREATE TABLE repository_manifests (
        repository TEXT NOT NULL,
        manifest_digest TEXT NOT NULL REFERENCES manifests (digest),
        PRIMARY KEY (repository, manifest_digest)
      );

      CREATE TABLE tags (
        repository TEXT NOT NULL,
        tag TEXT NOT NULL,
        manifest_digest TEXT NOT NULL REFERENCES manifests (digest),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (repository, tag)
      );

      CREATE TABLE tag_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        repository TEXT NOT NULL,
        tag TEXT NOT NULL,
        manifest_digest TEXT NOT NULL,
        pushed_at TEXT NOT NULL,
        pushed_by TEXT
      );
      CREATE INDEX tag_history_tag ON tag_history (repository, tag, id);

      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    // Lifecycle (garbage collection, rollback). used_at: the last time a push relied on a
    // blob or manifest already stored (re-upload, mount, HEAD, re-put), so gc's grace
    // period counts from then and does not sweep what a push in progress is about to name.
    version: 3,
    sql: `
      ALTER TABLE blobs ADD COLUMN used_at TEXT;
      ALTER TABLE manifests ADD COLUMN used_at TEXT;
      ALTER TABLE tag_history ADD COLUMN action TEXT NOT NULL DEFAULT 'push';
    `,
  },
];
