import { spawn } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../../client/errors.js';
import { BlobCache, STALE_LOCK_MS } from '../../../../client/p2p/blob-cache.js';
import { directThenSwarm, type FetchedBlob } from '../../../../client/p2p/direct-download.js';
import { digestHex, sha256Digest } from '../../../../lib/digest.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { within } from '../../../helpers/within.js';

const BYTES = Buffer.from('a layer two pulls want at once');
const DIGEST = sha256Digest(BYTES);
const blob = { digest: DIGEST, size: BYTES.length, torrent: Buffer.from('t') };
const webSeedOnly = (n: number) => ({ fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: n });

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

/**
 * Two processes fetching one blob into one cache (two `docket pull`s of an image): one
 * downloads, the other waits for it and takes the committed blob, instead of both writing
 * the same partial file and one renaming it away under the other (ENOENT).
 */
describe('BlobCache.lock and directThenSwarm', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await tmp?.cleanup();
  });

  it('a second fetch of a blob waits for the first and downloads nothing', async () => {
    tmp = await tempDir('docket-cache-lock-');
    // Two caches on one directory: what two processes see.
    const [a, b] = [new BlobCache(tmp.dir, 1e9), new BlobCache(tmp.dir, 1e9)];
    let finishA!: () => void;
    const aMayFinish = new Promise<void>((resolve) => {
      finishA = resolve;
    });
    let aStarted!: () => void;
    const aIsDownloading = new Promise<void>((resolve) => {
      aStarted = resolve;
    });
    const fromSwarmA = async (): Promise<FetchedBlob> => {
      aStarted();
      await aMayFinish;
      return {
        path: await a.store(DIGEST, BYTES.length, Readable.from([BYTES])),
        stats: webSeedOnly(BYTES.length),
      };
    };
    let bDownloaded = false;
    const fromSwarmB = async (): Promise<FetchedBlob> => {
      bDownloaded = true;
      throw new Error('the second fetch must not download');
    };
    const first = directThenSwarm(a, blob, undefined, fromSwarmA);
    await within(5_000, 'the first fetch downloads', aIsDownloading);
    const order: string[] = [];
    const second = directThenSwarm(b, blob, undefined, fromSwarmB).finally(() =>
      order.push('second done'),
    );
    order.push('first may finish');
    finishA();
    const [one, two] = await within(5_000, 'both fetches end', Promise.all([first, second]));
    expect(one.stats).toEqual(webSeedOnly(BYTES.length));
    expect(two).toEqual({ path: b.path(DIGEST), stats: webSeedOnly(0) });
    expect(bDownloaded).toBe(false);
    expect(order).toEqual(['first may finish', 'second done']);
    expect(await readdir(join(tmp.dir, 'locks'))).toEqual([]);
  });

  it('takes over the lock of a process that died while fetching', async () => {
    tmp = await tempDir('docket-cache-lock-');
    const cache = new BlobCache(tmp.dir, 1e9);
    await mkdir(join(tmp.dir, 'locks'), { recursive: true });
    const lockPath = join(tmp.dir, 'locks', digestHex(DIGEST));
    await writeFile(lockPath, JSON.stringify({ pid: await deadPid(), host: hostname() }));
    const release = await within(2_000, 'the stale lock is taken over', cache.lock(DIGEST));
    await release();
  });

  it('takes over a lock nobody has touched for a while, whoever wrote it', async () => {
    tmp = await tempDir('docket-cache-lock-');
    const cache = new BlobCache(tmp.dir, 1e9);
    await mkdir(join(tmp.dir, 'locks'), { recursive: true });
    const lockPath = join(tmp.dir, 'locks', digestHex(DIGEST));
    await writeFile(lockPath, JSON.stringify({ pid: process.ppid, host: 'elsewhere.invalid' }));
    const old = new Date(Date.now() - STALE_LOCK_MS - 1_000);
    await utimes(lockPath, old, old);
    const release = await within(2_000, 'the old lock is taken over', cache.lock(DIGEST));
    await release();
  });

  it('a wait for a live holder ends with the signal', async () => {
    tmp = await tempDir('docket-cache-lock-');
    const cache = new BlobCache(tmp.dir, 1e9);
    const held = await cache.lock(DIGEST);
    const stop = new AbortController();
    const waiting = cache.lock(DIGEST, stop.signal);
    waiting.catch(() => {});
    stop.abort(new InterruptedError());
    await expect(within(2_000, 'the wait ends', waiting)).rejects.toBeInstanceOf(InterruptedError);
    await held();
  });
});
