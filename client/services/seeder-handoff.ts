import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../../lib/process-alive.js';

/**
 * The hand-off between `docket pull` and the host's long-running seeder (`docket seed`,
 * `docket agent`), through one file in the blob cache directory:
 *
 * ```
 * <cacheDir>/seeder.json   {"pid": 1234, "started": "2026-11-30T16:00:00.000Z", "command": "docket seed"}
 * ```
 * A long-running seeder calls `claimSeeding` when it starts and the returned release
 * when it stops (the file is written to a temp name then renamed; release removes it only
 * if it still names this process). While it runs it must seed every blob that appears in
 * `<cacheDir>/blobs/` with its `.torrent` beside it (BlobCache.commit puts both), within
 * a few seconds (`docket seed` rescans the cache).
 *
 * A pull that finds a record whose pid is alive (`runningSeeder`) leaves seeding to that
 * process and returns as soon as the image is loaded. A stale record (a seeder killed
 * with SIGKILL) is ignored.
 */
export interface SeederRecord {
  pid: number;
  /** ISO 8601. */
  started: string;
  /** What runs, for the pull's status line: `docket seed`, `docket agent`. */
  command: string;
}

const FILE = 'seeder.json';

export async function claimSeeding(
  cacheDir: string,
  command: string,
  pid = process.pid,
): Promise<() => Promise<void>> {
  const record: SeederRecord = { pid, started: new Date().toISOString(), command };
  const path = join(cacheDir, FILE);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(tmp, path);
  return async () => {
    if ((await readRecord(cacheDir))?.pid === pid) await rm(path, { force: true });
  };
}

/** The seeder serving this cache directory, when its process is alive. */
export async function runningSeeder(cacheDir: string): Promise<SeederRecord | undefined> {
  const record = await readRecord(cacheDir);
  return record && isProcessAlive(record.pid) ? record : undefined;
}

async function readRecord(cacheDir: string): Promise<SeederRecord | undefined> {
  try {
    const parsed = JSON.parse(
      await readFile(join(cacheDir, FILE), 'utf8'),
    ) as Partial<SeederRecord>;
    if (!Number.isSafeInteger(parsed.pid) || (parsed.pid as number) <= 0) return undefined;
    return {
      pid: parsed.pid as number,
      started: String(parsed.started ?? ''),
      command: String(parsed.command ?? 'a seeder'),
    };
  } catch {
    return undefined;
  }
}
