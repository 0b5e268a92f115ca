import { type FileHandle, open, stat } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';

/**
 * A file written front to back while others read it: bytes [0, written) are on disk and
 * stay as they are. A direct download (direct-download.ts) writes its blob this way, and
 * the engine feed hands the engine each layer while it still arrives (tailFile).
 */
export interface GrowingFile {
  readonly path: string;
  /** Resolves once the file exists (rejects when it could not be created). */
  readonly created: Promise<void>;
  /** Bytes written so far, from offset 0. */
  readonly written: number;
  /** Whether the writer has stopped (finished or failed): `written` stays as it is. */
  readonly stopped: boolean;
  /** Resolves at the next completed write, or once the writer stops. */
  changed(): Promise<void>;
}

/**
 * A Writable that writes its chunks to `path` (created or truncated) in order and counts
 * what reached the file: `written` grows only after a write completed. Errors carry
 * node's system codes (ENOSPC, EDQUOT), as a createWriteStream's do.
 */
export class GrowingFileWriter extends Writable implements GrowingFile {
  private handle: FileHandle | undefined;
  private bytes = 0;
  private ended = false;
  private waiters: Array<() => void> = [];
  private onCreated!: (err?: Error | null) => void;
  readonly created = new Promise<void>((resolve, reject) => {
    this.onCreated = (err) => (err ? reject(err) : resolve());
  });

  constructor(readonly path: string) {
    super({ highWaterMark: 1024 * 1024 });
    // Observed by readers, if any; the writer's own error goes to its user.
    this.created.catch(() => {});
  }

  get written(): number {
    return this.bytes;
  }

  get stopped(): boolean {
    return this.ended;
  }

  changed(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  override _construct(cb: (err?: Error | null) => void): void {
    open(this.path, 'w').then(
      (fh) => {
        this.handle = fh;
        this.onCreated();
        cb();
      },
      (err: Error) => {
        this.onCreated(err);
        cb(err);
      },
    );
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    cb: (err?: Error | null) => void,
  ): void {
    const buffers = chunks.map((c) => c.chunk);
    const length = buffers.reduce((n, b) => n + b.length, 0);
    this.handle!.writev(buffers, this.bytes).then(({ bytesWritten }) => {
      if (bytesWritten !== length) {
        cb(new Error(`${this.path}: wrote ${bytesWritten} of ${length} bytes`));
        return;
      }
      this.bytes += length;
      this.wake();
      cb();
    }, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.closeHandle().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.closeHandle().then(
      () => cb(err),
      () => cb(err),
    );
  }

  private async closeHandle(): Promise<void> {
    const fh = this.handle;
    this.handle = undefined;
    try {
      await fh?.close();
    } finally {
      // Readers waiting for more learn that no more comes from this writer.
      this.ended = true;
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Bytes read from a file, and handed on, at once, where a file goes to a socket (1 MiB:
 * 64 KiB, node's default, made a read and a socket write per 64 KiB).
 */
export const FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * The `size` bytes of a file that `file` is still writing, as a stream: it reads what is
 * written and waits for more until `done` resolves with the finished file's path (the
 * same file renamed, or a file the rest was written to after the writer stopped early:
 * the rest is read from there). Errors, and ends the stream early, when `done` rejects or
 * the finished file holds fewer bytes. The bytes are not verified here: the reader checks
 * the digest (the engine does for what it pulls).
 */
export function tailFile(file: GrowingFile, size: number, done: Promise<string>): Readable {
  const finished: { path?: string; error?: unknown } = {};
  const settled = done.then(
    (path) => {
      finished.path = path;
    },
    (err: unknown) => {
      finished.error = err;
    },
  );
  async function* chunks(): AsyncGenerator<Buffer> {
    await file.created;
    let reopened = false;
    let fh = await open(file.path, 'r').catch(async (err: NodeJS.ErrnoException) => {
      // Asked again after the download finished: the partial file has been renamed.
      if (err.code !== 'ENOENT') throw err;
      await settled;
      if (finished.error !== undefined) throw finished.error;
      reopened = true;
      return open(finished.path as string, 'r');
    });
    try {
      let pos = 0;
      while (pos < size) {
        if (finished.error !== undefined) throw finished.error;
        if (finished.path !== undefined && !reopened) {
          // A download cut short goes on in another writer (the swarm): what it wrote
          // is in the finished file, which may not be the one open here.
          reopened = true;
          if (!(await sameFile(fh, finished.path))) {
            await fh.close();
            fh = await open(finished.path, 'r');
          }
        }
        const limit = finished.path !== undefined ? size : Math.min(file.written, size);
        if (pos >= limit) {
          await (file.stopped ? settled : Promise.race([file.changed(), settled]));
          continue;
        }
        const buf = Buffer.allocUnsafe(Math.min(FILE_CHUNK_BYTES, limit - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) throw new Error(`${file.path}: ends at ${pos} of ${size} bytes`);
        pos += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: FILE_CHUNK_BYTES });
}

async function sameFile(fh: FileHandle, path: string): Promise<boolean> {
  const [a, b] = await Promise.all([fh.stat(), stat(path).catch(() => undefined)]);
  return b !== undefined && a.dev === b.dev && a.ino === b.ino;
}
