import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deferred } from '../../../lib/deferred.js';
import { GrowingFileWriter, tailFile } from '../../../lib/growing-file.js';
import { tempDir } from '../../helpers/temp-dir.js';

function write(w: GrowingFileWriter, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => w.write(chunk, (err) => (err ? reject(err) : resolve())));
}

/** Collects a stream; `seen` receives each chunk's running total as it arrives. */
async function collect(body: Readable, seen: number[] = []): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    seen.push(total);
  }
  return Buffer.concat(chunks);
}

describe('GrowingFileWriter and tailFile', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir('docket-growing-');
  });
  afterEach(async () => tmp.cleanup());

  it('counts only completed writes and says when it stopped', async () => {
    const w = new GrowingFileWriter(join(tmp.dir, 'f'));
    expect(w.written).toBe(0);
    await write(w, Buffer.alloc(1000, 1));
    expect(w.written).toBe(1000);
    expect(w.stopped).toBe(false);
    const stopped = w.changed();
    await new Promise<void>((resolve) => w.end(resolve));
    await stopped;
    expect(w.stopped).toBe(true);
    expect((await readFile(w.path)).length).toBe(1000);
  });

  it('hands on the bytes written so far before the writer is done, then the rest', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const path = join(tmp.dir, 'partial');
    const w = new GrowingFileWriter(path);
    const done = deferred<string>();
    const first = data.subarray(0, 1024 * 1024);
    await write(w, first);
    const seen: number[] = [];
    const reading = collect(tailFile(w, data.length, done.promise), seen);
    // The reader gets the first MiB while the writer has written nothing more.
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([first.length]);
    await write(w, data.subarray(first.length));
    await new Promise<void>((resolve) => w.end(resolve));
    const final = join(tmp.dir, 'blob');
    await rename(path, final);
    done.resolve(final);
    expect((await reading).equals(data)).toBe(true);
  });

  it('reads the rest from the finished file when the writer stopped early and another file took over', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const w = new GrowingFileWriter(join(tmp.dir, 'partial'));
    const done = deferred<string>();
    const reading = collect(tailFile(w, data.length, done.promise));
    // Cut after 700 kB; the rest lands in a different file (not the partial one renamed).
    await write(w, data.subarray(0, 700_000));
    w.destroy();
    await w.changed();
    const other = join(tmp.dir, 'other');
    await writeFile(other, data);
    done.resolve(other);
    expect((await reading).equals(data)).toBe(true);
  });

  it('reads the finished file when asked again after the partial file was renamed', async () => {
    const data = randomBytes(100_000);
    const path = join(tmp.dir, 'partial');
    const w = new GrowingFileWriter(path);
    await write(w, data);
    await new Promise<void>((resolve) => w.end(resolve));
    const final = join(tmp.dir, 'blob');
    await rename(path, final);
    expect((await collect(tailFile(w, data.length, Promise.resolve(final)))).equals(data)).toBe(
      true,
    );
  });

  it('fails the stream when the fetch fails, or the finished file is short', async () => {
    const w1 = new GrowingFileWriter(join(tmp.dir, 'a'));
    await write(w1, Buffer.alloc(10));
    const failed = deferred<string>();
    const reading = collect(tailFile(w1, 100, failed.promise));
    failed.reject(new Error('digest mismatch'));
    await expect(reading).rejects.toThrow('digest mismatch');
    w1.destroy();

    const w2 = new GrowingFileWriter(join(tmp.dir, 'b'));
    await write(w2, Buffer.alloc(10));
    await new Promise<void>((resolve) => w2.end(resolve));
    await expect(collect(tailFile(w2, 100, Promise.resolve(w2.path)))).rejects.toThrow(
      /ends at 10 of 100 bytes/,
    );
  });
});
