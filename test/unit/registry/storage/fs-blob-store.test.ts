import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
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
