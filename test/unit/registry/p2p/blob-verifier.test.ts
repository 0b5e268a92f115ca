import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../../lib/digest.js';
import { StoredBlobVerifier } from '../../../../registry/p2p/blob-verifier.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('StoredBlobVerifier: a stored blob hashes to its digest before it is seeded', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let path: string;
  const bytes = Buffer.from('the bytes of a layer, '.repeat(1000));
  const digest = sha256Digest(bytes);

  beforeEach(async () => {
    tmp = await tempDir('docket-verifier-');
    path = join(tmp.dir, 'blob');
    await writeFile(path, bytes);
  });
  afterEach(async () => tmp.cleanup());

  it('hashes a file once, then remembers it while mtime and size stay', async () => {
    const v = new StoredBlobVerifier();
    expect(await v.check({ digest, path })).toEqual({ match: true, actual: digest, fresh: true });
    expect(await v.check({ digest, path })).toMatchObject({ match: true, fresh: false });
  });

  it('takes a vouched file as checked, and hashes it again once it changes', async () => {
    const v = new StoredBlobVerifier();
    await v.vouch({ digest, path });
    expect(await v.unchanged({ digest, path })).toBe(true);
    expect(await v.check({ digest, path })).toEqual({ match: true, actual: digest, fresh: false });
    // Bytes changed on disk after the upload: a new mtime, so the next check reads the file.
    const other = Buffer.from(bytes).fill(0x41, 0, 10);
    await writeFile(path, other);
    await utimes(path, new Date(), new Date(Date.now() + 5_000));
    expect(await v.unchanged({ digest, path })).toBe(false);
    expect(await v.check({ digest, path })).toEqual({
      match: false,
      actual: sha256Digest(other),
      fresh: true,
    });
  });

  it('vouching for a missing file throws its error', async () => {
    await expect(
      new StoredBlobVerifier().vouch({ digest, path: join(tmp.dir, 'gone') }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
