import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `<cacheDir>/seeder.json` says a long-running seeder holds this cache while it runs, so
 * `docket pull` can leave seeding to it. Written by the agent at start, removed at stop.
 */
export interface SeederFile {
  pid: number;
  /** ISO 8601. */
  started: string;
  kind: 'agent';
}

export function seederFilePath(cacheDir: string): string {
  return join(cacheDir, 'seeder.json');
}

/** Writes the file (temp + rename); resolves with the function that removes it. */
export async function writeSeederFile(cacheDir: string): Promise<() => Promise<void>> {
  const body: SeederFile = { pid: process.pid, started: new Date().toISOString(), kind: 'agent' };
  const path = seederFilePath(cacheDir);
  const tmp = join(cacheDir, 'tmp', `seeder-${randomBytes(6).toString('hex')}.json`);
  await writeFile(tmp, `${JSON.stringify(body)}\n`);
  await rename(tmp, path);
  return () => rm(path, { force: true });
}
