import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../../client/p2p/blob-cache.js';
import { claimSeeding } from '../../../../client/services/seeder-handoff.js';
import { sha256Digest } from '../../../../lib/digest.js';
import { tempDir } from '../../../helpers/temp-dir.js';

// The cache holds private layers and .torrent files with a passkey and a signed URL:
// private to its user whatever the umask (SECURITY.md "Files").
describe('BlobCache file modes', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await tmp?.cleanup();
    tmp = undefined;
  });

  const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

  /** Every folder and file under `dir` (dir included) with its mode. */
  async function modes(dir: string): Promise<Map<string, number>> {
    const out = new Map<string, number>([[dir, await modeOf(dir)]]);
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath ?? entry.path, entry.name);
      out.set(path, await modeOf(path));
    }
    return out;
  }

  it('creates its folders 0700 and its blobs, .torrents, partial files, locks and seeder.json 0600', async () => {
    tmp = await tempDir();
    const dir = join(tmp.dir, 'cache');
    const cache = new BlobCache(dir, 1024 * 1024);
    const stored = Buffer.from('a private layer');
    await cache.store(sha256Digest(stored), stored.length, Readable.from([stored]));
    const received = Buffer.from('a direct download');
    await cache.receive(sha256Digest(received), received.length, Readable.from([received]), {
      torrent: Buffer.from('d8:announce40:http://r/announce?passkey=secret-passkeye'),
    });
    const cut = Buffer.from('a direct download cut short');
    await cache.receive(sha256Digest(cut), cut.length, Readable.from([cut.subarray(0, 5)]));
    const release = await cache.lock(sha256Digest(cut));
    const unclaim = await claimSeeding(dir, 'docket seed');
    try {
      const all = await modes(dir);
      expect(all.size).toBeGreaterThanOrEqual(10);
      for (const [path, mode] of all) {
        const isDir = (await stat(path)).isDirectory();
        expect({ path, mode: mode.toString(8) }).toEqual({ path, mode: isDir ? '700' : '600' });
      }
    } finally {
      await release();
      await unclaim();
    }
  });

  it('makes an existing cache folder and its sub-folders 0700 when it opens', async () => {
    tmp = await tempDir();
    const dir = join(tmp.dir, 'cache');
    for (const sub of ['', 'blobs', 'partial', 'locks', 'tmp'])
      await mkdir(join(dir, sub), { recursive: true });
    for (const sub of ['', 'blobs', 'partial', 'locks', 'tmp']) await chmod(join(dir, sub), 0o755);
    // A swarm download's partial file, made by webtorrent with the default mode.
    const bytes = Buffer.from('pieces from the swarm');
    const partial = join(dir, 'partial', sha256Digest(bytes).slice(7));
    await writeFile(partial, bytes, { mode: 0o644 });
    await chmod(partial, 0o644);

    const cache = new BlobCache(dir, 1024 * 1024);
    await cache.init();
    for (const sub of ['', 'blobs', 'partial', 'locks', 'tmp'])
      expect((await modeOf(join(dir, sub))).toString(8)).toBe('700');
    const path = await cache.commit(sha256Digest(bytes), partial, { size: bytes.length });
    expect((await modeOf(path)).toString(8)).toBe('600');
  });
});
