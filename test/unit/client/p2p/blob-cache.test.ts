import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../../client/p2p/blob-cache.js';
import { sha256Digest } from '../../../../lib/digest.js';
import { DigestMismatchError, SizeMismatchError } from '../../../../lib/errors.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('BlobCache.store', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await tmp?.cleanup();
    tmp = undefined;
  });

  const cache = async () => {
    tmp = await tempDir();
    return new BlobCache(join(tmp.dir, 'cache'), 1024 * 1024);
  };

  it('writes a verified blob where path() says, read in chunks', async () => {
    const c = await cache();
    const bytes = Buffer.from('a blob stored over http '.repeat(1000));
    const digest = sha256Digest(bytes);
    const path = await c.store(
      digest,
      bytes.length,
      Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]),
    );
    expect(path).toBe(c.path(digest));
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(await c.has(digest)).toBe(true);
  });

  it('keeps nothing when the bytes are not the blob', async () => {
    const c = await cache();
    const digest = sha256Digest(Buffer.from('expected'));
    await expect(
      c.store(digest, 8, Readable.from([Buffer.from('tampered')])),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(c.store(digest, 8, Readable.from([Buffer.from('short')]))).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    expect(await c.has(digest)).toBe(false);
    expect(await readdir(join(c.dir, 'tmp'))).toEqual([]);
    expect(await readdir(join(c.dir, 'blobs'))).toEqual([]);
  });
});
