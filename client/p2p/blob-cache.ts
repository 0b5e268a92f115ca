import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import {
  chmod,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, DigestStream, digestHex, parseDigest, sha256File } from '../../lib/digest.js';
import { DigestMismatchError, SizeMismatchError } from '../../lib/errors.js';
import { DiskFullError, isDiskFullCode, systemErrorCode } from '../errors.js';
import { type GrowingFile, GrowingFileWriter } from '../../lib/growing-file.js';
import { sleepUnlessAborted } from '../../lib/sleep.js';
import { isProcessAlive } from '../../lib/process-alive.js';

/**
 * A content-addressed, size-bounded cache of verified blobs on the client.
 *
 * ```
 * <dir>/blobs/<hex>           complete blob, sha256 verified; mtime = last use (LRU)
 * <dir>/blobs/<hex>.torrent   the .torrent it was downloaded with (for `docket seed`)
 * <dir>/partial/<hex>         download in progress: the pieces received so far, at their
 *                             offsets, so a restarted download resumes (never a blob)
 * <dir>/locks/<hex>           a process fetching the blob: {"pid","host"}, created O_EXCL,
 *                             its mtime kept fresh while it fetches (see `lock`)
 * <dir>/tmp/                  files being written before a rename
 * ```
 * The cache holds private layers and `.torrent`s carrying a passkey and a signed web
 * seed URL: its folders are 0700 (existing ones made so by `init`) and its files 0600.
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

/**
 * A blob lock's holder touches it this often; one untouched for STALE_LOCK_MS is taken over
 * whoever wrote it (a holder on another host, or a pid reused after a restart).
 */
export const LOCK_HEARTBEAT_MS = 5_000;
export const STALE_LOCK_MS = 30_000;
/** How often a process waiting for another's fetch of a blob looks again. */
const LOCK_POLL_MS = 100;

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Releases a blob lock (see BlobCache.lock). */
export type BlobLockRelease = () => Promise<void>;

export class BlobCache {
  private readonly blobsDir: string;
  private readonly partialDir: string;
  private readonly locksDir: string;
  private readonly tmpDir: string;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.blobsDir = join(dir, 'blobs');
    this.partialDir = join(dir, 'partial');
    this.locksDir = join(dir, 'locks');
    this.tmpDir = join(dir, 'tmp');
  }

  private madePrivate = false;

  /** Creates the cache's folders 0700; the first call also makes existing ones 0700. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR });
    const dirs = [this.blobsDir, this.partialDir, this.locksDir, this.tmpDir];
    await Promise.all(dirs.map((d) => mkdir(d, { recursive: true, mode: PRIVATE_DIR })));
    if (this.madePrivate) return;
    await Promise.all([this.dir, ...dirs].map((d) => chmod(d, PRIVATE_DIR)));
    this.madePrivate = true;
  }

  /**
   * Waits until this process is the one fetching `digest` into this cache, across
   * processes (two `docket pull`s of one image, a pull beside `docket agent`): the partial
   * file and the commit belong to one fetch at a time, and the one that waited then finds
   * the blob cached. The lock is a file created O_EXCL under locks/ holding the pid and the
   * host; while held, its mtime is touched every LOCK_HEARTBEAT_MS. A lock whose process
   * is gone (same host, no such pid) or untouched for STALE_LOCK_MS is taken over. Rejects
   * with the signal's reason when it aborts while waiting.
   */
  async lock(digest: string, signal?: AbortSignal): Promise<BlobLockRelease> {
    const path = join(this.locksDir, digestHex(parseDigest(digest)));
    const text = `${JSON.stringify({ pid: process.pid, host: hostname(), nonce: randomBytes(4).toString('hex') })}\n`;
    await this.init();
    for (;;) {
      signal?.throwIfAborted();
      try {
        await writeFile(path, text, { flag: 'wx', mode: PRIVATE_FILE });
        break;
      } catch (err) {
        if (systemErrorCode(err) !== 'EEXIST') throw err;
      }
      const held = await readFile(path, 'utf8').catch(() => undefined);
      if (held !== undefined && (await isStaleLock(path, held))) {
        // Removed only while it still holds what was judged stale.
        if ((await readFile(path, 'utf8').catch(() => undefined)) === held)
          await rm(path, { force: true });
        continue;
      }
      await (signal
        ? sleepUnlessAborted(LOCK_POLL_MS, signal)
        : new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS)));
    }
    const heartbeat = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => {});
    }, LOCK_HEARTBEAT_MS).unref();
    return async () => {
      clearInterval(heartbeat);
      if ((await readFile(path, 'utf8').catch(() => '')) === text) await rm(path, { force: true });
    };
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
    await writeFile(tmp, torrent, { mode: PRIVATE_FILE });
    await rename(tmp, this.torrentPath(digest));
  }

  /** Renames a verified file into blobs/, marks it used and evicts others to fit. */
  private async place(digest: Digest, file: string): Promise<string> {
    const path = this.path(digest);
    // A swarm download's partial file is created by webtorrent with the default mode.
    await chmod(file, PRIVATE_FILE);
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
      await pipeline(
        body,
        new DigestStream({ digest: expected, size }),
        createWriteStream(tmp, { mode: PRIVATE_FILE }),
      );
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
    await createPrivateFile(partial);
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

/** Creates `path` 0600 if missing (a writer opening it with 'w' then keeps the mode). */
async function createPrivateFile(path: string): Promise<void> {
  const fh = await open(path, 'a', PRIVATE_FILE);
  try {
    await fh.chmod(PRIVATE_FILE);
  } finally {
    await fh.close();
  }
}

/** A blob lock whose holder is gone: a dead pid on this host, or no heartbeat for a while. */
async function isStaleLock(path: string, held: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return false; // released meanwhile: the next round creates it
  if (Date.now() - st.mtimeMs > STALE_LOCK_MS) return true;
  let owner: { pid?: unknown; host?: unknown };
  try {
    owner = JSON.parse(held) as typeof owner;
  } catch {
    return false; // being written: judged by its age alone
  }
  if (owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  if (owner.pid === process.pid) return false;
  return !isProcessAlive(owner.pid);
}

/**
 * A body that fails before the pipeline reading it is attached (the registry cut a direct
 * download while the cache dir was being made) must not become an uncaught 'error' that
 * kills the process: the pipeline still sees it, as the stream's stored error.
 */
function holdErrors(body: Readable): void {
  body.on('error', () => {});
}
