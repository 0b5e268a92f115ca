/**
 * Numbered schema migrations, applied in order, each once: `schema_migrations` records
 * which ran (database.ts). Never edit a released migration: add the next one.
 *
 * One list for both engines: `sql` is SQLite's, and `postgres` PostgreSQL's where the two
 * differ (types: AUTOINCREMENT is BIGSERIAL, BLOB is BYTEA, a size is BIGINT; keys and
 * names compare bytewise, as in SQLite, with COLLATE "C"; backfills of rows from before
 * a migration, which a PostgreSQL database, new with this release, never holds).
 */
export interface Migration {
  version: number;
  sql: string;
  /** The migration on PostgreSQL, when `sql` does not do there. */
  postgres?: string;
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
    postgres: `
      CREATE TABLE blobs (
        digest TEXT COLLATE "C" PRIMARY KEY,
        size BIGINT NOT NULL,
        media_type TEXT,
        diff_id TEXT COLLATE "C",
        infohash TEXT COLLATE "C" NOT NULL,
        torrent_info BYTEA NOT NULL,
        piece_length INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX blobs_diff_id ON blobs (diff_id);
      CREATE INDEX blobs_infohash ON blobs (infohash);

      CREATE TABLE manifests (
        digest TEXT COLLATE "C" PRIMARY KEY,
        media_type TEXT NOT NULL,
        content BYTEA NOT NULL,
        config_digest TEXT COLLATE "C",
        created_at TEXT NOT NULL
      );

      CREATE TABLE manifest_refs (
        manifest_digest TEXT COLLATE "C" NOT NULL REFERENCES manifests (digest),
        position INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('config', 'layer', 'manifest')),
        digest TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (manifest_digest, position)
      );
      CREATE INDEX manifest_refs_digest ON manifest_refs (digest);

      CREATE TABLE repository_manifests (
        repository TEXT COLLATE "C" NOT NULL,
        manifest_digest TEXT COLLATE "C" NOT NULL REFERENCES manifests (digest),
        PRIMARY KEY (repository, manifest_digest)
      );

      CREATE TABLE tags (
        repository TEXT COLLATE "C" NOT NULL,
        tag TEXT COLLATE "C" NOT NULL,
        manifest_digest TEXT COLLATE "C" NOT NULL REFERENCES manifests (digest),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (repository, tag)
      );

      CREATE TABLE tag_history (
        id BIGSERIAL PRIMARY KEY,
        repository TEXT COLLATE "C" NOT NULL,
        tag TEXT COLLATE "C" NOT NULL,
        manifest_digest TEXT COLLATE "C" NOT NULL,
        pushed_at TEXT NOT NULL,
        pushed_by TEXT
      );
      CREATE INDEX tag_history_tag ON tag_history (repository, tag, id);

      CREATE TABLE tokens (
        id BIGSERIAL PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL UNIQUE,
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
  {
    // Referrers (distribution-spec v1.1 "Listing Referrers"): the manifests that name a
    // `subject`, with what a referrers index lists of them: the artifact type (the
    // manifest's artifactType, else its config's mediaType) and the manifest's
    // annotations (JSON text). Backfilled from the manifests stored before.
    version: 4,
    sql: `
      CREATE TABLE manifest_subjects (
        manifest_digest TEXT PRIMARY KEY REFERENCES manifests (digest),
        subject_digest TEXT NOT NULL,
        artifact_type TEXT,
        annotations TEXT
      );
      CREATE INDEX manifest_subjects_subject ON manifest_subjects (subject_digest);

      INSERT INTO manifest_subjects (manifest_digest, subject_digest, artifact_type, annotations)
      SELECT digest,
             json_extract(doc, '$.subject.digest'),
             COALESCE(json_extract(doc, '$.artifactType'), json_extract(doc, '$.config.mediaType')),
             CASE json_type(doc, '$.annotations') WHEN 'object'
               THEN json_extract(doc, '$.annotations') END
      FROM (SELECT digest, CAST(content AS TEXT) AS doc FROM manifests)
      WHERE json_valid(doc) AND json_type(doc, '$.subject.digest') = 'text';
    `,
    postgres: `
      CREATE TABLE manifest_subjects (
        manifest_digest TEXT COLLATE "C" PRIMARY KEY REFERENCES manifests (digest),
        subject_digest TEXT COLLATE "C" NOT NULL,
        artifact_type TEXT,
        annotations TEXT
      );
      CREATE INDEX manifest_subjects_subject ON manifest_subjects (subject_digest);
    `,
  },
  {
    // Scoped tokens (lib/api/scopes.ts): scopes as a JSON array; `secret`, the per-token
    // key of its passkeys and signed URLs (registry/private/signing.ts), replaced on
    // rotation; expiry; last use. A revoked token's row is deleted. Tokens made before
    // scopes could push and delete everywhere: they keep that (not admin, which now alone
    // runs gc and manages tokens); the admin token gets admin at its next start.
    version: 5,
    sql: `
      ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '["pull:**","push:**","delete:**"]';
      ALTER TABLE tokens ADD COLUMN secret TEXT;
      ALTER TABLE tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
      UPDATE tokens SET secret = lower(hex(randomblob(32)));
      UPDATE tokens SET scopes = '["admin"]' WHERE name = 'admin';
    `,
    postgres: `
      ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '["pull:**","push:**","delete:**"]';
      ALTER TABLE tokens ADD COLUMN secret TEXT;
      ALTER TABLE tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
    `,
  },
  {
    // A blob uploaded to a repository (or mounted into it) is held by that repository
    // before any manifest of it names the blob, as Distribution links it: a token that
    // does not read every repository reads a blob only through one that holds it
    // (registry/http/auth.ts authorizeBlobRead), and the client checks its upload with a
    // HEAD there. The link goes with the blob.
    version: 6,
    sql: `
      CREATE TABLE repository_blobs (
        repository TEXT NOT NULL,
        digest TEXT NOT NULL,
        PRIMARY KEY (repository, digest)
      );
      CREATE INDEX repository_blobs_digest ON repository_blobs (digest);
    `,
    postgres: `
      CREATE TABLE repository_blobs (
        repository TEXT COLLATE "C" NOT NULL,
        digest TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (repository, digest)
      );
      CREATE INDEX repository_blobs_digest ON repository_blobs (digest);
    `,
  },
  {
    // Open upload sessions: who opened each and when it was last written to, so a
    // registry sharing the database and the blob store continues a session another one
    // started (registry/services/upload-sessions.ts).
    version: 7,
    sql: `
      CREATE TABLE upload_sessions (
        id TEXT PRIMARY KEY,
        repository TEXT NOT NULL,
        token TEXT,
        last_used_ms INTEGER NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE upload_sessions (
        id TEXT COLLATE "C" PRIMARY KEY,
        repository TEXT NOT NULL,
        token TEXT,
        last_used_ms BIGINT NOT NULL
      );
    `,
  },
];
