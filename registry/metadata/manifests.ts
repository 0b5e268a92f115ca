import type { Digest } from '../../lib/digest.js';
import type { Db } from './db.js';

export interface ManifestRecord {
  digest: Digest;
  mediaType: string;
  content: Buffer;
  configDigest: Digest | null;
  createdAt: string;
}

export interface ManifestRef {
  kind: 'config' | 'layer' | 'manifest';
  digest: string;
}

/** What a manifest with a `subject` records for the referrers index (migration 4). */
export interface ManifestSubject {
  digest: Digest;
  /** The manifest's artifactType, else its config's mediaType; null when neither. */
  artifactType: string | null;
  annotations?: Record<string, string>;
}

/** One manifest that refers to a subject, as the referrers index lists it. */
export interface ReferrerRecord {
  digest: Digest;
  mediaType: string;
  size: number;
  artifactType: string | null;
  annotations?: Record<string, string>;
}

interface Row {
  digest: string;
  media_type: string;
  content: Buffer;
  config_digest: string | null;
  created_at: string;
}

const toRecord = (r: Row): ManifestRecord => ({
  digest: r.digest as Digest,
  mediaType: r.media_type,
  content: r.content,
  configDigest: r.config_digest as Digest | null,
  createdAt: r.created_at,
});

/** The `manifests`, `manifest_refs`, `manifest_subjects` and `repository_manifests` tables. */
export class ManifestRecords {
  constructor(private readonly db: Db) {}

  get(digest: string): ManifestRecord | undefined {
    const row = this.db.get('SELECT * FROM manifests WHERE digest = ?', digest) as Row | undefined;
    return row && toRecord(row);
  }

  /** A manifest only when `repository` holds it. */
  getInRepository(repository: string, digest: string): ManifestRecord | undefined {
    const row = this.db.get(
      `SELECT m.* FROM manifests m
         JOIN repository_manifests r ON r.manifest_digest = m.digest
         WHERE r.repository = ? AND m.digest = ?`,
      repository,
      digest,
    ) as Row | undefined;
    return row && toRecord(row);
  }

  has(digest: string): boolean {
    return this.db.get('SELECT 1 FROM manifests WHERE digest = ?', digest) !== undefined;
  }

  /** The byte length of a stored manifest, without reading it. */
  size(digest: string): number | undefined {
    const row = this.db.get(
      'SELECT length(content) AS size FROM manifests WHERE digest = ?',
      digest,
    ) as { size: number } | undefined;
    return row?.size;
  }

  /** The byte length of a manifest `repository` holds, without reading it. */
  sizeInRepository(repository: string, digest: string): number | undefined {
    const row = this.db.get(
      `SELECT length(m.content) AS size FROM manifests m
         JOIN repository_manifests r ON r.manifest_digest = m.digest
         WHERE r.repository = ? AND m.digest = ?`,
      repository,
      digest,
    ) as { size: number } | undefined;
    return row?.size;
  }

  /**
   * Stores a manifest, what it names and its `subject` (idempotent), and links it to
   * `repository`.
   */
  insert(
    repository: string,
    m: Omit<ManifestRecord, 'createdAt'>,
    refs: readonly ManifestRef[],
    subject?: ManifestSubject,
  ): void {
    const inserted = this.db.run(
      `INSERT INTO manifests (digest, media_type, content, config_digest, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      m.digest,
      m.mediaType,
      m.content,
      m.configDigest,
      new Date().toISOString(),
    );
    if (inserted.changes === 0) this.touch(m.digest);
    if (inserted.changes > 0) {
      for (const [i, r] of refs.entries())
        this.db.run(
          'INSERT INTO manifest_refs (manifest_digest, position, kind, digest) VALUES (?, ?, ?, ?)',
          m.digest,
          i,
          r.kind,
          r.digest,
        );
      if (subject)
        this.db.run(
          `INSERT INTO manifest_subjects
               (manifest_digest, subject_digest, artifact_type, annotations)
             VALUES (?, ?, ?, ?)`,
          m.digest,
          subject.digest,
          subject.artifactType,
          subject.annotations ? JSON.stringify(subject.annotations) : null,
        );
    }
    this.db.run(
      `INSERT INTO repository_manifests (repository, manifest_digest) VALUES (?, ?)
       ON CONFLICT DO NOTHING`,
      repository,
      m.digest,
    );
  }

  /** Marks a stored manifest as relied on by a push now (gc's grace period restarts). */
  touch(digest: string): void {
    this.db.run(
      'UPDATE manifests SET used_at = ? WHERE digest = ?',
      new Date().toISOString(),
      digest,
    );
  }

  /** Every manifest, with the time gc's grace period counts from (last use, else creation). */
  ages(): { digest: Digest; usedAt: string }[] {
    return this.db.all(
      'SELECT digest, COALESCE(used_at, created_at) AS "usedAt" FROM manifests',
    ) as { digest: Digest; usedAt: string }[];
  }

  /** Manifests a repository holds that no tag points at, with their repository. */
  untagged(): { repository: string; digest: Digest; usedAt: string }[] {
    return this.db.all(`SELECT r.repository, m.digest, COALESCE(m.used_at, m.created_at) AS "usedAt"
         FROM repository_manifests r JOIN manifests m ON m.digest = r.manifest_digest
         WHERE NOT EXISTS (SELECT 1 FROM tags t
                           WHERE t.repository = r.repository AND t.manifest_digest = m.digest)
         ORDER BY r.repository, "usedAt"`) as {
      repository: string;
      digest: Digest;
      usedAt: string;
    }[];
  }

  /**
   * Removes a manifest, what it names, its subject and its repository links (tags must be
   * gone first).
   */
  delete(digest: string): void {
    this.db.run('DELETE FROM manifest_refs WHERE manifest_digest = ?', digest);
    this.db.run('DELETE FROM manifest_subjects WHERE manifest_digest = ?', digest);
    this.db.run('DELETE FROM repository_manifests WHERE manifest_digest = ?', digest);
    this.db.run('DELETE FROM manifests WHERE digest = ?', digest);
  }

  /**
   * The manifests `repository` holds whose subject is `subject`, with `artifactType` when
   * given, in digest order after `last`, at most `limit`.
   */
  referrers(
    repository: string,
    subject: string,
    opts: { artifactType?: string; limit: number; last?: string },
  ): ReferrerRecord[] {
    const rows = this.db.all(
      `SELECT m.digest, m.media_type, length(m.content) AS size, s.artifact_type, s.annotations
         FROM manifest_subjects s
         JOIN repository_manifests r ON r.manifest_digest = s.manifest_digest
         JOIN manifests m ON m.digest = s.manifest_digest
         WHERE s.subject_digest = ? AND r.repository = ? AND m.digest > ?
           AND (CAST(? AS TEXT) IS NULL OR s.artifact_type = ?)
         ORDER BY m.digest LIMIT ?`,
      subject,
      repository,
      opts.last ?? '',
      opts.artifactType ?? null,
      opts.artifactType ?? null,
      opts.limit,
    ) as {
      digest: string;
      media_type: string;
      size: number;
      artifact_type: string | null;
      annotations: string | null;
    }[];
    return rows.map((r) => ({
      digest: r.digest as Digest,
      mediaType: r.media_type,
      size: r.size,
      artifactType: r.artifact_type,
      ...(r.annotations ? { annotations: JSON.parse(r.annotations) } : {}),
    }));
  }

  /** The stored manifests whose subject is `digest`, in any repository. */
  referrersOf(digest: string): Digest[] {
    const rows = this.db.all(
      'SELECT manifest_digest FROM manifest_subjects WHERE subject_digest = ?',
      digest,
    ) as { manifest_digest: string }[];
    return rows.map((r) => r.manifest_digest as Digest);
  }

  refs(digest: string): ManifestRef[] {
    return this.db.all(
      'SELECT kind, digest FROM manifest_refs WHERE manifest_digest = ? ORDER BY position',
      digest,
    ) as ManifestRef[];
  }

  /** Unlinks a manifest from a repository; returns false when the repository did not hold it. */
  unlink(repository: string, digest: string): boolean {
    return (
      this.db.run(
        'DELETE FROM repository_manifests WHERE repository = ? AND manifest_digest = ?',
        repository,
        digest,
      ).changes > 0
    );
  }

  hasRepository(repository: string): boolean {
    return (
      this.db.get('SELECT 1 FROM repository_manifests WHERE repository = ? LIMIT 1', repository) !==
      undefined
    );
  }

  /** Repository names in lexical order after `last`, at most `limit`. */
  repositories(limit: number, last?: string): string[] {
    const rows = this.db.all(
      `SELECT DISTINCT repository FROM repository_manifests
         WHERE repository > ? ORDER BY repository LIMIT ?`,
      last ?? '',
      limit,
    ) as { repository: string }[];
    return rows.map((r) => r.repository);
  }
}
