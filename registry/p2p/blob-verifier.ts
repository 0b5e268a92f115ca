import { stat } from 'node:fs/promises';
import { type Digest, parseDigest, sha256File } from '../../lib/digest.js';

interface Checked {
  mtimeMs: number;
  size: number;
  /** The file's sha256 when it was hashed. */
  actual: Digest;
}

/**
 * Checks that a stored blob file still hashes to its digest before it is seeded: the
 * seeder skips piece verification, so bytes changed on disk after the upload would be
 * served to every peer. A file is hashed (streaming) once per (digest, mtime, size) in
 * this process; results, good or bad, are remembered in memory.
 */
export class StoredBlobVerifier {
  private readonly checked = new Map<string, Checked>();
  private readonly running = new Map<string, Promise<Checked>>();

  /**
   * Whether `path` hashes to `digest`, and what it hashes to; `fresh` when it was hashed
   * now rather than remembered. Throws the file's errors (e.g. ENOENT).
   */
  async check(blob: {
    digest: string;
    path: string;
  }): Promise<{ match: boolean; actual: Digest; fresh: boolean }> {
    const expected = parseDigest(blob.digest);
    const st = await stat(blob.path);
    let result = this.checked.get(blob.digest);
    let fresh = false;
    if (!result || result.mtimeMs !== st.mtimeMs || result.size !== st.size) {
      result = await this.hash(blob.digest, blob.path, st);
      fresh = true;
    }
    return { match: result.actual === expected, actual: result.actual, fresh };
  }

  /**
   * Records that `path` hashes to `digest` without hashing it: for a blob the registry has
   * just written and hashed on the way in. Its first seed then needs no second read; a
   * later change of the file's mtime or size still makes `check` hash it again.
   */
  async vouch(blob: { digest: string; path: string }): Promise<void> {
    const actual = parseDigest(blob.digest);
    const st = await stat(blob.path);
    this.checked.set(blob.digest, { mtimeMs: st.mtimeMs, size: st.size, actual });
  }

  /** Whether the file is as it was when last verified (a stat, no hashing). */
  async unchanged(blob: { digest: string; path: string }): Promise<boolean> {
    const known = this.checked.get(blob.digest);
    if (!known) return false;
    const st = await stat(blob.path).catch(() => undefined);
    return st !== undefined && st.mtimeMs === known.mtimeMs && st.size === known.size;
  }

  private hash(
    digest: string,
    path: string,
    st: { mtimeMs: number; size: number },
  ): Promise<Checked> {
    const key = `${digest}@${st.mtimeMs}:${st.size}`;
    const running = this.running.get(key);
    if (running) return running;
    const started = (async () => {
      const { digest: actual } = await sha256File(path);
      const checked = { mtimeMs: st.mtimeMs, size: st.size, actual };
      this.checked.set(digest, checked);
      return checked;
    })().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}
