import { hostname } from 'node:os';
import { join } from 'node:path';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { ConfigError } from '../lib/errors.js';
import { isProcessAlive } from '../lib/process-alive.js';

/**
 * One registry per data directory: two would each hand out upload sessions, sweep blobs the
 * other is committing and seed from one SQLite file under two writers.
 *
 * ```
 * <dataDir>/registry.lock   {"pid":123,"host":"box","since":"2024-..."}, created O_EXCL
 * ```
 * The file is created exclusively; a second registry finds it and refuses to start with
 * DataDirInUseError. A lock whose process is gone (same host, no such pid, or this very
 * pid: a container restarted as pid 1) is stale and taken over. A lock written on another
 * host (a shared volume) cannot be checked and is honoured: remove it by hand.
 */
export const LOCK_FILE = 'registry.lock';

/** Another live registry holds the data directory (exit code 11, as a port in use). */
export class DataDirInUseError extends ConfigError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly host: string,
  ) {
    super(
      `data directory ${dataDir} is in use by docket registry pid ${pid}` +
        `${host !== hostname() ? ` on ${host}` : ''}: stop it, or pass another --data-dir`,
    );
  }
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export interface DataDirLock {
  /** Removes the lock file (only while it is still this process's). */
  release(): Promise<void>;
}

/**
 * Takes the data directory's lock and makes the directory 0700 (one made by an older docket,
 * or by hand under umask 022, would stay 755); throws DataDirInUseError when a live registry
 * holds it.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  // A take-over races only another registry starting on the same stale lock: a few rounds.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(path, text, { flag: 'wx', mode: 0o600 });
      await chmod(dataDir, 0o700);
      return {
        release: async () => {
          if ((await readFile(path, 'utf8').catch(() => '')) === text)
            await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = await readFile(path, 'utf8').catch(() => undefined);
    if (held === undefined) continue; // released meanwhile
    const owner = parseOwner(held);
    if (owner && !isStale(owner)) throw new DataDirInUseError(dataDir, owner.pid, owner.host);
    if (!owner && (await isFresh(path)))
      throw new ConfigError(`data directory ${dataDir} is being locked by another registry`);
    // Stale, or unreadable and old (a registry killed while writing it). Removed only while
    // it still holds what was judged stale.
    if ((await readFile(path, 'utf8').catch(() => undefined)) === held)
      await rm(path, { force: true });
  }
  throw new ConfigError(`cannot take the lock ${path}: other registries keep starting on it`);
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return undefined;
    return { pid: o.pid, host: o.host, since: String(o.since ?? '') };
  } catch {
    return undefined;
  }
}

/** Written in the last few seconds: a registry may be writing it right now. */
async function isFresh(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs < 5_000;
}

function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return true;
  return !isProcessAlive(owner.pid);
}
