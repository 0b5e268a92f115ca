import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { blobFiles, client } from './http.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('registry data on disk is private', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
    await client(reg).pushImage('private/app', 'v1', 'layer bytes');
  });
  afterAll(() => reg.close());

  it('creates the data directories 0700 and blobs, the database and the token 0600', () => {
    expect(mode(reg.dataDir)).toBe(0o700);
    for (const d of [
      'blobs',
      join('blobs', 'sha256'),
      join('blobs', 'uploads'),
      join('blobs', 'tmp'),
    ])
      expect(mode(join(reg.dataDir, d)), d).toBe(0o700);
    const blobs = blobFiles(reg);
    expect(blobs.length).toBeGreaterThan(0);
    const root = join(reg.dataDir, 'blobs', 'sha256');
    for (const sub of readdirSync(root)) {
      expect(mode(join(root, sub))).toBe(0o700);
      for (const f of readdirSync(join(root, sub))) expect(mode(join(root, sub, f)), f).toBe(0o600);
    }
    for (const f of readdirSync(reg.dataDir).filter(
      (n) => n.startsWith('docket.db') || n === 'admin-token',
    ))
      expect(mode(join(reg.dataDir, f)), f).toBe(0o600);
  });
});
