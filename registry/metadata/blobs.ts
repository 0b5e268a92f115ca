import type { Digest } from '../../lib/digest.js';
import type { Db } from './db.js';

export interface BlobRecord {
  digest: Digest;
  size: number;
  mediaType: string | null;
  /** sha256 of the uncompressed layer, when the blob is a layer and it is known. */
  diffId: Digest | null;
  infoHash: string;
  /** The bencoded torrent info dictionary. */
  torrentInfo: Buffer;
  pieceLength: number;
  createdAt: string;
}

interface Row {
  digest: string;
  size: number;
  media_type: string | null;
  diff_id: string | null;
  infohash: string;
  torrent_info: Buffer;
  piece_length: number;
  created_at: string;
}

const toRecord = (r: Row): BlobRecord => ({
  digest: r.digest as Digest,
  size: r.size,
  mediaType: r.media_type,
  diffId: r.diff_id as Digest | null,
  infoHash: r.infohash,
  torrentInfo: r.torrent_info,
  pieceLength: r.piece_length,
  createdAt: r.created_at,
});

/**
 * SQL common table `naming`: the manifests that name blob `?` as config or layer, and the
 * indexes naming such a manifest (two levels of indexes at most, as manifest puts allow).
 */
const NAMING_MANIFESTS = `WITH RECURSIVE naming (manifest_digest, depth) AS (
  SELECT manifest_digest, 0 FROM manifest_refs WHERE digest = ? AND kind != 'manifest'
  UNION
  SELECT r.manifest_digest, n.depth + 1 FROM manifest_refs r
  JOIN naming n ON r.digest = n.manifest_digest AND r.kind = 'manifest'
  WHERE n.depth < 2
)`;

/** The `blobs` table. */
export class BlobRecords {
  constructor(private readonly db: Db) {}

  get(digest: string): BlobRecord | undefined {
    const row = this.db.get('SELECT * FROM blobs WHERE digest = ?', digest) as Row | undefined;
    return row && toRecord(row);
  }

  has(digest: string): boolean {
    return this.db.get('SELECT 1 FROM blobs WHERE digest = ?', digest) !== undefined;
  }

  /** Records a blob; keeps an existing record (same digest, same bytes) untouched. */
  insert(r: Omit<BlobRecord, 'createdAt'>): void {
    this.db.run(
      `INSERT INTO blobs
           (digest, size, media_type, diff_id, infohash, torrent_info, piece_length, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      r.digest,
      r.size,
      r.mediaType,
      r.diffId,
      r.infoHash,
      r.torrentInfo,
      r.pieceLength,
      new Date().toISOString(),
    );
  }

  /** Fills in what a manifest or an import tells about a blob, without overwriting. */
  describe(digest: string, info: { mediaType?: string; diffId?: string }): void {
    this.db.run(
      `UPDATE blobs SET media_type = COALESCE(media_type, CAST(? AS TEXT)),
             diff_id = COALESCE(diff_id, CAST(? AS TEXT))
         WHERE digest = ?`,
      info.mediaType ?? null,
      info.diffId ?? null,
      digest,
    );
  }

  /** A compressed layer whose uncompressed digest is `diffId` (prefers one that is not diffId itself). */
  findByDiffId(diffId: string): BlobRecord | undefined {
    const row = this.db.get(
      'SELECT * FROM blobs WHERE diff_id = ? ORDER BY digest = diff_id, created_at LIMIT 1',
      diffId,
    ) as Row | undefined;
    return row && toRecord(row);
  }

  findByInfoHash(infoHash: string): BlobRecord | undefined {
    const row = this.db.get('SELECT * FROM blobs WHERE infohash = ? LIMIT 1', infoHash) as
      | Row
      | undefined;
    return row && toRecord(row);
  }

  /** Every stored blob's infohash (what the standalone tracker's whitelist asks for). */
  infoHashes(): string[] {
    const rows = this.db.all('SELECT DISTINCT infohash FROM blobs ORDER BY infohash');
    return (rows as { infohash: string }[]).map((r) => r.infohash);
  }

  /** Marks a stored blob as relied on by a push now (gc's grace period restarts). */
  touch(digest: string): void {
    this.db.run('UPDATE blobs SET used_at = ? WHERE digest = ?', new Date().toISOString(), digest);
  }

  /** Every blob with the time gc's grace period counts from (its last use, else its creation). */
  ages(): { digest: Digest; size: number; infoHash: string; usedAt: string }[] {
    return this.db.all(
      'SELECT digest, size, infohash AS "infoHash", COALESCE(used_at, created_at) AS "usedAt" FROM blobs',
    ) as { digest: Digest; size: number; infoHash: string; usedAt: string }[];
  }

  /** Whether any stored manifest names the blob (as config or layer). */
  isReferenced(digest: string): boolean {
    return (
      this.db.get(
        "SELECT 1 FROM manifest_refs WHERE digest = ? AND kind != 'manifest' LIMIT 1",
        digest,
      ) !== undefined
    );
  }

  /**
   * The repositories that hold the blob: those it was uploaded to or mounted into (link),
   * and those holding a manifest that names it as config or layer, or an index that names
   * such a manifest (two levels of indexes at most, as manifest puts allow).
   */
  holders(digest: string): string[] {
    const rows = this.db.all(
      `${NAMING_MANIFESTS}
         SELECT rm.repository FROM repository_manifests rm
         JOIN naming n ON n.manifest_digest = rm.manifest_digest
         UNION
         SELECT repository FROM repository_blobs WHERE digest = ?
         ORDER BY 1`,
      digest,
      digest,
    ) as { repository: string }[];
    return rows.map((r) => r.repository);
  }

  /** Whether `repository` is one of the blob's holders (see holders), without listing them. */
  heldBy(repository: string, digest: string): boolean {
    const row = this.db.get(
      `${NAMING_MANIFESTS}
         SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?
         UNION ALL
         SELECT 1 FROM repository_manifests rm
         JOIN naming n ON n.manifest_digest = rm.manifest_digest
         WHERE rm.repository = ?
         LIMIT 1`,
      digest,
      repository,
      digest,
      repository,
    );
    return row !== undefined;
  }

  /** Records that the blob was uploaded to or mounted into `repository` (see holders). */
  link(repository: string, digest: string): void {
    this.db.run(
      'INSERT INTO repository_blobs (repository, digest) VALUES (?, ?) ON CONFLICT DO NOTHING',
      repository,
      digest,
    );
  }

  /** Deletes the blob's row and its repository links. */
  delete(digest: string): boolean {
    this.db.run('DELETE FROM repository_blobs WHERE digest = ?', digest);
    return this.db.run('DELETE FROM blobs WHERE digest = ?', digest).changes > 0;
  }

  count(): number {
    return (this.db.get('SELECT COUNT(*) AS n FROM blobs') as { n: number }).n;
  }

  /** Bytes of every stored blob. */
  totalSize(): number {
    const row = this.db.get('SELECT COALESCE(SUM(size), 0) AS n FROM blobs');
    return (row as { n: number }).n;
  }
}
