import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TestBlob {
  path: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

/** A blob of `size` random bytes written to `dir/name`. */
export async function writeBlob(dir: string, size: number, name = 'blob-data'): Promise<TestBlob> {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, bytes);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { path, digest, size, bytes };
}
