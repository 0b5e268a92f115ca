import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../../lib/digest.js';

describe('sha256File', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-digest-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('hashes a file larger than one read chunk and reports its size', async () => {
    const bytes = randomBytes(200 * 1024 + 7);
    const path = join(dir, 'big');
    await writeFile(path, bytes);
    const expected = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    expect(await sha256File(path)).toEqual({ digest: expected, size: bytes.length });
  });

  it('hashes an empty file', async () => {
    const path = join(dir, 'empty');
    await writeFile(path, '');
    expect(await sha256File(path)).toEqual({
      digest: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      size: 0,
    });
  });

  it('throws the file error for a missing file', async () => {
    await expect(sha256File(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
