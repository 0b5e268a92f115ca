import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChunkStore, ChunkStoreConstructor, ChunkStoreOptions } from '@docket/webtorrent';

/**
 * An abstract-chunk-store over one file at an explicit path, for single-file blob
 * torrents: piece `i` lives at byte `i * pieceLength`. Lets webtorrent seed a blob file
 * in place (the registry's blob store, the client's cache) and download into a file the
 * caller names. `destroy` only closes: the file belongs to the caller, never to
 * webtorrent. A read past the end of the file fails, which webtorrent's verification
 * takes as "piece missing", so a partial file resumes from the pieces it holds.
 */
export interface FileStoreOptions {
  filePath: string;
  /** Open read-only and fail every write (a seed of a stored blob). */
  readOnly?: boolean;
}

export function fileStore(opts: FileStoreOptions): ChunkStoreConstructor {
  return class BoundFileStore extends FileChunkStore {
    constructor(chunkLength: number, storeOpts: ChunkStoreOptions) {
      super(chunkLength, storeOpts.length, opts);
    }
  };
}

type Callback<T = void> = (err: Error | null, value?: T) => void;

export class FileChunkStore implements ChunkStore {
  private handle: Promise<FileHandle> | undefined;
  private closed = false;

  constructor(
    readonly chunkLength: number,
    private readonly length: number,
    private readonly opts: FileStoreOptions,
  ) {}

  private file(): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    this.handle ??= (async () => {
      if (this.opts.readOnly) return open(this.opts.filePath, 'r');
      await mkdir(dirname(this.opts.filePath), { recursive: true });
      // 'a+' would force appends; open without truncating, creating if absent.
      return open(this.opts.filePath, 'r+').catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        return open(this.opts.filePath, 'w+');
      });
    })();
    return this.handle;
  }

  private pieceSize(index: number): number {
    return Math.min(this.chunkLength, this.length - index * this.chunkLength);
  }

  put(index: number, buf: Uint8Array, cb: Callback = () => {}): void {
    if (this.opts.readOnly) {
      queueMicrotask(() => cb(new Error(`read-only store: ${this.opts.filePath}`)));
      return;
    }
    if (buf.length !== this.pieceSize(index)) {
      queueMicrotask(() => cb(new Error(`piece ${index}: wrong length ${buf.length}`)));
      return;
    }
    this.file()
      .then((fh) => fh.write(buf, 0, buf.length, index * this.chunkLength))
      .then(
        () => cb(null),
        (err: Error) => cb(err),
      );
  }

  get(
    index: number,
    opts: { offset?: number; length?: number } | null | undefined,
    cb: Callback<Uint8Array>,
  ): void {
    if (typeof opts === 'function') {
      this.get(index, null, opts);
      return;
    }
    const size = this.pieceSize(index);
    const offset = opts?.offset ?? 0;
    const length = opts?.length ?? size - offset;
    if (size <= 0 || offset < 0 || length < 0 || offset + length > size) {
      queueMicrotask(() => cb(new Error(`piece ${index}: invalid range ${offset}+${length}`)));
      return;
    }
    // Filled by the read (a short read is an error below).
    const buf = Buffer.allocUnsafe(length);
    this.file()
      .then((fh) => fh.read(buf, 0, length, index * this.chunkLength + offset))
      .then(
        ({ bytesRead }) =>
          bytesRead === length
            ? cb(null, buf)
            : cb(new Error(`piece ${index}: short read (${bytesRead} of ${length})`)),
        (err: Error) => cb(err),
      );
  }

  close(cb: Callback = () => {}): void {
    const handle = this.handle;
    this.closed = true;
    this.handle = undefined;
    if (!handle) {
      queueMicrotask(() => cb(null));
      return;
    }
    handle
      .then((fh) => fh.close())
      .then(
        () => cb(null),
        () => cb(null), // a file that never opened has nothing to close
      );
  }

  destroy(cb: Callback = () => {}): void {
    this.close(cb);
  }
}
