import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalBlobFiles } from '../../../../registry/storage/blob-store.js';
import { FsBlobStore } from '../../../../registry/storage/fs-blob-store.js';
import { blobStoreSuite } from './blob-store-suite.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

blobStoreSuite('FsBlobStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'registry-test-fsstore-'));
  dirs.push(root);
  const store = new FsBlobStore(root);
  await store.init();
  return {
    store,
    leftovers: async () => [
      ...(await readdir(join(root, 'uploads'))),
      ...(await readdir(join(root, 'tmp'))),
    ],
  };
});

describe('FsBlobStore as LocalBlobFiles', () => {
  it('names the file that holds a committed blob, under sha256/<hex[0..2]>/', async () => {
    const root = await mkdtemp(join(tmpdir(), 'registry-test-fsstore-'));
    dirs.push(root);
    const store = new FsBlobStore(root);
    await store.init();
    const files: LocalBlobFiles = store;
    const { digest } = await store.put(Readable.from([Buffer.from('on disk')]));
    const hex = digest.slice('sha256:'.length);
    expect(files.localPath(digest)).toBe(join(root, 'sha256', hex.slice(0, 2), hex));
    expect((await readFile(files.localPath(digest))).toString()).toBe('on disk');
  });
});
