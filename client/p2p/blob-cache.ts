import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, DigestStream, digestHex, parseDigest, sha256File } from '../../lib/digest.js';
import { DigestMismatchError, SizeMismatchError } from '../../lib/errors.js';
import { DiskFullError, isDiskFullCode, systemErrorCode } from '../errors.js';
import { type GrowingFile, GrowingFileWriter } from '../../lib/growing-file.js';

/**
 * A content-addressed, size-bounded cache of verified blobs on the client.
 *
 * ```
 * <dir>/blobs/<hex>           complete blob, sha256 verified; mtime = last use (LRU)
 * <dir>/blobs/<hex>.torrent   the .torrent it was downloaded with (for `docket seed`)
 * <dir>/partial/<hex>         download in progress: the pieces received so far, at their
 *                             offsets, so a restarted download resumes (never a blob)
 * <dir>/tmp/                  files being written before a rename
 * ```
 * A blob appears under blobs/ only by `commit`, a rename after its sha256 was checked,
 * so an interrupted download never leaves a complete-looking blob behind. Partial
 * downloads count against maxBytes (by the disk space they take: their pieces land at
 * their offsets, so the file may be sparse), but eviction removes only complete blobs:
 * a partial file may be written by a download in progress. `prune` removes the stale ones.
 */
export interface CachedBlob {
  digest: Digest;
  size: number;
  lastUsed: Date;
  hasTorrent: boolean;
}

/** A download in progress or interrupted (its pieces so far). */
export interface PartialBlob {
  digest: Digest;
  /** Bytes on disk. */
  size: number;
  lastUsed: Date;
}

/** Partial downloads untouched this long are abandoned: `prune` removes them. */
export const STALE_PARTIAL_MS = 60 * 60_000;

export class BlobCache {
  private readonly blobsDir: string;
  private readonly partialDir: string;
  private readonly tmpDir: string;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.blobsDir = join(dir, 'blobs');
    this.partialDir = join(dir, 'partial');
    this.tmpDir = join(dir, 'tmp');
  }

  async init(): Promise<void> {
    await Promise.all(
      [this.blobsDir, this.partialDir, this.tmpDir].map((d) => mkdir(d, { recursive: true })),
    );
  }

  /** Where the blob lives once committed (whether or not it is there now). */
  path(digest: string): string {
    return join(this.blobsDir, digestHex(parseDigest(digest)));
  }

  torrentPath(digest: string): string {
    return `${this.path(digest)}.torrent`;
  }

  /** Where a download of this blob keeps its pieces until it is complete. */
  partialPath(digest: string): string {
    return join(this.partialDir, digestHex(parseDigest(digest)));
  }

  /** Whether the blob is cached; marks it as used (the eviction order is by last use). */
  async has(digest: string): Promise<boolean> {
    const path = this.path(digest);
    try {
      await stat(path);
    } catch {
      return false;
    }
    const now = new Date();
    await utimes(path, now, now).catch(() => {});
    return true;
  }

  /** The .torrent stored beside a cached blob, if any. */
  async torrent(digest: string): Promise<Buffer | undefined> {
    return readFile(this.torrentPath(digest)).catch(() => undefined);
  }

  async list(): Promise<CachedBlob[]> {
    const names = await readdir(this.blobsDir).catch(() => [] as string[]);
    const torrents = new Set(names.filter((n) => n.endsWith('.torrent')));
    const blobs: CachedBlob[] = [];
    for (const name of names) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const st = await stat(join(this.blobsDir, name)).catch(() => undefined);
      if (!st) continue;
      blobs.push({
        digest: `sha256:${name}` as Digest,
        size: st.size,
        lastUsed: st.mtime,
        hasTorrent: torrents.has(`${name}.torrent`),
      });
    }
    return blobs;
  }

  /** Downloads in progress or interrupted. */
  async partials(): Promise<PartialBlob[]> {
    const names = await readdir(this.partialDir).catch(() => [] as string[]);
    const out: PartialBlob[] = [];
    for (const name of names) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const st = await stat(join(this.partialDir, name)).catch(() => undefined);
      if (!st) continue;
      out.push({
        digest: `sha256:${name}` as Digest,
        size: Math.min(st.size, st.blocks * 512),
        lastUsed: st.mtime,
      });
    }
    return out;
  }

  /**
   * Evicts to fit maxBytes and removes partial downloads untouched for `staleMs`; with
   * `all`, empties the cache. Resolves with what was removed.
   */
  async prune(
    opts: { all?: boolean; staleMs?: number; now?: Date } = {},
  ): Promise<{ blobs: Digest[]; partials: Digest[]; bytes: number }> {
    const now = opts.now ?? new Date();
    const staleMs = opts.all ? -1 : (opts.staleMs ?? STALE_PARTIAL_MS);
    const removedPartials: Digest[] = [];
    let bytes = 0;
    for (const p of await this.partials()) {
      if (now.getTime() - p.lastUsed.getTime() <= staleMs) continue;
      await rm(this.partialPath(p.digest), { force: true });
      removedPartials.push(p.digest);
      bytes += p.size;
    }
    const before = new Map((await this.list()).map((b) => [b.digest, b.size]));
    const blobs = opts.all ? [...before.keys()] : await this.evict();
    if (opts.all) for (const digest of blobs) await this.remove(digest);
    for (const digest of blobs) bytes += before.get(digest) ?? 0;
    if (opts.all) await rm(this.tmpDir, { recursive: true, force: true });
    return { blobs, partials: removedPartials, bytes };
  }

  /**
   * Moves a finished download into the cache after checking its sha256 (and its size when
   * given); `torrent` is stored beside it. Throws DigestMismatchError / SizeMismatchError
   * and deletes the file when it is not the blob. Then evicts least recently used blobs
   * until the cache fits in maxBytes (never the blob just committed).
   */
  async commit(
    digest: string,
    file: string,
    opts: { size?: number; torrent?: Buffer } = {},
  ): Promise<string> {
    const expected = parseDigest(digest);
    const actual = await sha256File(file);
    if (opts.size !== undefined && actual.size !== opts.size) {
      await rm(file, { force: true });
      throw new SizeMismatchError(opts.size, actual.size);
    }
    if (actual.digest !== expected) {
      await rm(file, { force: true });
      throw new DigestMismatchError(expected, actual.digest);
    }
    await this.init();
    if (opts.torrent) await this.keepTorrent(expected, opts.torrent);
    return this.place(expected, file);
  }

  /** Stores the .torrent beside a blob (temp file, then rename). */
  private async keepTorrent(digest: Digest, torrent: Buffer): Promise<void> {
    const tmp = join(this.tmpDir, `${randomBytes(8).toString('hex')}.torrent`);
    await writeFile(tmp, torrent);
    await rename(tmp, this.torrentPath(digest));
  }

  /** Renames a verified file into blobs/, marks it used and evicts others to fit. */
  private async place(digest: Digest, file: string): Promise<string> {
    const path = this.path(digest);
    await rename(file, path);
    const now = new Date();
    await utimes(path, now, now);
    await this.evict(digest);
    return path;
  }

  /**
   * Writes `body` into the cache as blob `digest`, hashing it on the way: it is renamed
   * into blobs/ only when it has `size` bytes and hashes to `digest` (else the temp file
   * is removed and DigestMismatchError / SizeMismatchError thrown). Then evicts as `commit`.
   */
  async store(digest: string, size: number, body: Readable): Promise<string> {
    const expected = parseDigest(digest);
    holdErrors(body);
    await this.init();
    const tmp = join(this.tmpDir, randomBytes(8).toString('hex'));
    try {
      await pipeline(body, new DigestStream({ digest: expected, size }), createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      const code = systemErrorCode(err);
      if (isDiskFullCode(code)) throw new DiskFullError(tmp, code as string);
      throw err;
    }
    return this.place(expected, tmp);
  }

  /**
   * Writes a direct download (plain HTTP from the registry) into the blob's partial file,
   * hashing on the way, and commits it with `torrent` when all `size` bytes came and hash
   * to `digest`: resolves with its path. When the body ends early (the registry cut it,
   * the connection broke) resolves with undefined and leaves the partial file: a torrent
   * download of it resumes from the pieces there. Throws DigestMismatchError when a whole
   * body is not the blob (the file is removed), DiskFullError on a full disk. `onFile`
   * gets the partial file as it grows, for a reader that checks the digest itself (the
   * engine feed).
   */
  async receive(
    digest: string,
    size: number,
    body: Readable,
    opts: {
      torrent?: Buffer;
      onBytes?(received: number): void;
      onFile?(file: GrowingFile): void;
    } = {},
  ): Promise<string | undefined> {
    const expected = parseDigest(digest);
    holdErrors(body);
    await this.init();
    const partial = this.partialPath(digest);
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        opts.onBytes?.(received);
        cb(null, chunk);
      },
    });
    const file = new GrowingFileWriter(partial);
    opts.onFile?.(file);
    try {
      await pipeline(body, count, new DigestStream({ digest: expected, size }), file);
    } catch (err) {
      const code = systemErrorCode(err);
      if (isDiskFullCode(code)) throw new DiskFullError(partial, code as string);
      if (
        err instanceof DigestMismatchError ||
        (received > size && err instanceof SizeMismatchError)
      ) {
        await rm(partial, { force: true });
        throw err;
      }
      return undefined;
    }
    if (opts.torrent) await this.keepTorrent(expected, opts.torrent);
    return this.place(expected, partial);
  }

  /** Removes a blob, its .torrent and any partial download of it. */
  async remove(digest: string): Promise<void> {
    await Promise.all(
      [this.path(digest), this.torrentPath(digest), this.partialPath(digest)].map((p) =>
        rm(p, { force: true }),
      ),
    );
  }

  /**
   * Deletes least recently used blobs until the total size, partial downloads included,
   * is within maxBytes.
   */
  async evict(keep?: string): Promise<Digest[]> {
    const blobs = (await this.list()).sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
    const partial = (await this.partials()).reduce((sum, p) => sum + p.size, 0);
    let total = partial + blobs.reduce((sum, b) => sum + b.size, 0);
    const evicted: Digest[] = [];
    for (const blob of blobs) {
      if (total <= this.maxBytes) break;
      if (blob.digest === keep) continue;
      await rm(this.path(blob.digest), { force: true });
      await rm(this.torrentPath(blob.digest), { force: true });
      total -= blob.size;
      evicted.push(blob.digest);
    }
    return evicted;
  }
}

/**
 * A body that fails before the pipeline reading it is attached (the registry cut a direct
 * download while the cache dir was being made) must not become an uncaught 'error' that
 * kills the process: the pipeline still sees it, as the stream's stored error.
 */
function holdErrors(body: Readable): void {
  body.on('error', () => {});
}
