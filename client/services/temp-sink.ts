import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobSink } from '../../lib/archive/types.js';

export interface TempFile {
  path: string;
  size: number;
}

/** A BlobSink writing each archive entry to its own file in `dir` (which the caller removes). */
export class TempFileSink implements BlobSink<TempFile> {
  private count = 0;

  constructor(private readonly dir: string) {}

  async store(body: Readable, info: { size: number }): Promise<TempFile> {
    const path = join(this.dir, `entry-${this.count++}`);
    await pipeline(body, createWriteStream(path));
    return { path, size: info.size };
  }

  async discard(handle: TempFile): Promise<void> {
    await rm(handle.path, { force: true });
  }
}
