/**
 * Local files of blobs kept in a store without files (S3BlobStore), for the seeder:
 * webtorrent reads pieces from a path. A blob is copied into the cache when the seeder
 * asks for it, in ranged reads of the store, hashed on the way and renamed into place only
 * when it matches its digest; the least recently asked-for files are evicted once the
 * cache holds more than `maxBytes`. A replica so seeds blobs it never received itself.
 *
 *   <dir>/
 *     sha256/<hex>   cached blobs, verified
 *     tmp/<uuid>     a blob being copied in (emptied by init)
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { type Digest, DigestStream, digestHex } from '../../lib/digest.js';
import { BlobUnknownError } from '../errors.js';
import type { BlobStore, LocalBlobFiles } from './blob-store.js';

const HEX_RE = /^[a-f0-9]{64}$/;

export interface BlobFileCacheOptions {
  /** Where the blobs' bytes are. */
  store: BlobStore;
  dir: string;
  /** Evict least recently used files above this many bytes (a larger blob is still cached, alone). */
  maxBytes: number;
  /** Bytes per ranged read of the store (default 64 MiB). */
  rangeBytes?: number;
  logger?: Logger;
}

interface Entry {
  size: number;
  usedAt: number;
}

export class BlobFileCache implements LocalBlobFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly filling = new Map<string, Promise<boolean>>();
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly rangeBytes: number;
  /** Strictly increasing use stamps: two uses in one millisecond still have an order. */
  private clock = 0;

  constructor(private readonly opts: BlobFileCacheOptions) {
    this.blobsDir = join(opts.dir, 'sha256');
    this.tmpDir = join(opts.dir, 'tmp');
    this.rangeBytes = opts.rangeBytes ?? 64 * 1024 ** 2;
  }

  /** Empties tmp/ and learns the cached files, oldest modification first in line for eviction. */
  async init(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.blobsDir, { recursive: true, mode: 0o700 });
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    const found: { hex: string; size: number; mtimeMs: number }[] = [];
    for (const name of await readdir(this.blobsDir)) {
      if (!HEX_RE.test(name)) continue;
      const st = await stat(join(this.blobsDir, name));
      found.push({ hex: name, size: st.size, mtimeMs: st.mtimeMs });
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of found) this.entries.set(f.hex, { size: f.size, usedAt: ++this.clock });
    await this.evict();
  }

  localPath(digest: Digest): string {
    return join(this.blobsDir, digestHex(digest));
  }

  /** Bytes of the cached files. */
  size(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.size;
    return total;
  }

  /**
   * Copies the blob into the cache unless it is there; marks it used either way. Resolves
   * true when it was copied and verified just now. Throws BlobUnknownError,
   * DigestMismatchError (the store's bytes do not hash to the digest: nothing is kept).
   */
  ensureLocal(digest: Digest): Promise<boolean> {
    const hex = digestHex(digest);
    const entry = this.entries.get(hex);
    if (entry) {
      entry.usedAt = ++this.clock;
      return Promise.resolve(false);
    }
    let running = this.filling.get(hex);
    if (!running) {
      running = this.fill(digest).finally(() => this.filling.delete(hex));
      this.filling.set(hex, running);
    }
    return running;
  }

  private async fill(digest: Digest): Promise<boolean> {
    const hex = digestHex(digest);
    const size = await this.opts.store.stat(digest);
    if (size === undefined) throw new BlobUnknownError(digest);
    const tmp = join(this.tmpDir, randomUUID());
    const began = Date.now();
    try {
      await pipeline(
        Readable.from(this.ranges(digest, size)),
        new DigestStream({ digest, size }),
        createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
      );
      await rename(tmp, this.localPath(digest));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    this.entries.set(hex, { size, usedAt: ++this.clock });
    this.opts.logger?.info(
      { digest, size, ms: Date.now() - began },
      'blob copied into the seed cache',
    );
    await this.evict(hex);
    return true;
  }

  /** The blob's bytes, `rangeBytes` per read of the store. */
  private async *ranges(digest: Digest, size: number): AsyncGenerator<Buffer> {
    for (let start = 0; start < size; start += this.rangeBytes) {
      const end = Math.min(start + this.rangeBytes, size) - 1;
      for await (const chunk of await this.opts.store.open(digest, { start, end }))
        yield chunk as Buffer;
    }
  }

  /** Removes least recently used files until the cache fits, never `keep`. */
  private async evict(keep?: string): Promise<void> {
    let total = this.size();
    if (total <= this.opts.maxBytes) return;
    const byAge = [...this.entries].sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [hex, entry] of byAge) {
      if (total <= this.opts.maxBytes) break;
      if (hex === keep) continue;
      this.entries.delete(hex);
      await rm(join(this.blobsDir, hex), { force: true });
      total -= entry.size;
      this.opts.logger?.debug({ digest: `sha256:${hex}` }, 'evicted from the seed cache');
    }
  }
}
