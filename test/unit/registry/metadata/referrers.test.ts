import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256Digest } from '../../../../lib/digest.js';
import { MediaType } from '../../../../lib/media-types.js';
import { migrate } from '../../../../registry/metadata/database.js';
import { Metadata } from '../../../../registry/metadata/metadata.js';
import { MIGRATIONS } from '../../../../registry/metadata/migrations.js';

const SUBJECT = `sha256:${'a'.repeat(64)}` as Digest;

function manifest(fields: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: SUBJECT, size: 2 },
      layers: [],
      ...fields,
    }),
  );
}

describe('manifest_subjects (migration 4)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-test-referrers-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('backfills the subjects of manifests stored before it', () => {
    const path = join(dir, 'm.db');
    const db = new Database(path);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version < 4),
    );
    const insert = db.prepare(
      `INSERT INTO manifests (digest, media_type, content, config_digest, created_at)
       VALUES (?, ?, ?, NULL, '2024-01-01T00:00:00Z')`,
    );
    const subject = { mediaType: MediaType.ociManifest, digest: SUBJECT, size: 10 };
    const docs = {
      sig: manifest({ artifactType: 'application/sig', subject, annotations: { a: 'b' } }),
      att: manifest({ subject }),
      plain: manifest({}),
    };
    for (const body of Object.values(docs))
      insert.run(sha256Digest(body), MediaType.ociManifest, body);
    for (const body of Object.values(docs))
      db.prepare('INSERT INTO repository_manifests VALUES (?, ?)').run('r', sha256Digest(body));
    db.close();

    const m = Metadata.open(path);
    try {
      const listed = m.manifests.referrers('r', SUBJECT, { limit: 10 });
      expect(listed).toEqual(
        [
          {
            digest: sha256Digest(docs.sig),
            mediaType: MediaType.ociManifest,
            size: docs.sig.length,
            artifactType: 'application/sig',
            annotations: { a: 'b' },
          },
          {
            digest: sha256Digest(docs.att),
            mediaType: MediaType.ociManifest,
            size: docs.att.length,
            artifactType: 'application/vnd.oci.empty.v1+json',
          },
        ].sort((a, b) => a.digest.localeCompare(b.digest)),
      );
      expect(m.manifests.referrersOf(SUBJECT).sort()).toEqual(listed.map((r) => r.digest));
    } finally {
      m.close();
    }
  });
  // Listing, paging and forgetting referrers: metadata-suite.ts, on both engines.
});
