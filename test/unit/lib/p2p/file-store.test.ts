import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileChunkStore } from '../../../../lib/p2p/file-store.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const PIECE = 1024 * 1024;

function put(store: FileChunkStore, index: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    store.put(index, buf, (err) => (err ? reject(err) : resolve())),
  );
}

function get(
  store: FileChunkStore,
  index: number,
  opts?: { offset?: number; length?: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    store.get(index, opts ?? null, (err, buf) =>
      err ? reject(err) : resolve(Buffer.from(buf as Uint8Array)),
    ),
  );
}

describe('FileChunkStore (one blob file, pieces at their offsets)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir('docket-store-');
  });
  afterEach(async () => tmp.cleanup());

  it('writes pieces at their offsets and reads ranges back', async () => {
    const path = join(tmp.dir, 'blob');
    const pieces = [randomBytes(PIECE), randomBytes(PIECE), randomBytes(1000)];
    const store = new FileChunkStore(PIECE, 2 * PIECE + 1000, { filePath: path });
    await put(store, 2, pieces[2]!);
    await put(store, 0, pieces[0]!);
    await put(store, 1, pieces[1]!);
    expect((await readFile(path)).equals(Buffer.concat(pieces))).toBe(true);
    expect(
      (await get(store, 1, { offset: 10, length: 100 })).equals(pieces[1]!.subarray(10, 110)),
    ).toBe(true);
    await expect(get(store, 2, { offset: 900, length: 200 })).rejects.toThrow(/invalid range/);
    await expect(put(store, 0, Buffer.alloc(10))).rejects.toThrow(/wrong length/);
    await new Promise((resolve) => store.close(resolve));
  });

  it('a read-only store refuses writes; a read past the end of a partial file fails', async () => {
    const path = join(tmp.dir, 'partial');
    await writeFile(path, Buffer.alloc(PIECE + 10));
    const ro = new FileChunkStore(PIECE, 3 * PIECE, { filePath: path, readOnly: true });
    await expect(put(ro, 0, Buffer.alloc(PIECE))).rejects.toThrow(/read-only/);
    await expect(get(ro, 1)).rejects.toThrow(/short read/);
    expect((await get(ro, 0)).length).toBe(PIECE);
    await new Promise((resolve) => ro.close(resolve));
  });
});
