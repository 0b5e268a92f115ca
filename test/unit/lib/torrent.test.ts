import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bencode from 'bencode';
import parseTorrent from 'parse-torrent';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlobTorrentInfo,
  createBlobTorrentInfo,
  magnetLink,
  makePeerId,
  peerIdHasPrefix,
  pieceLengthFor,
  renderTorrentFile,
  TORRENT_CREATION_DATE,
  TorrentPieceStream,
} from '../../../lib/torrent.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { writeBlob } from '../../helpers/test-blob.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe('pieceLengthFor', () => {
  it.each([
    [0, 1 * MiB],
    [1, 1 * MiB],
    [256 * MiB, 1 * MiB],
    [1 * GiB, 1 * MiB],
    [1 * GiB + 1, 2 * MiB],
    [4 * GiB, 4 * MiB],
    [8 * GiB, 4 * MiB],
    [100 * GiB, 4 * MiB],
  ])('size %d → %d', (size, expected) => {
    expect(pieceLengthFor(size)).toBe(expected);
  });

  it('keeps mid-size blobs between 513 and 1024 pieces', () => {
    for (const size of [1 * GiB + 1, 1.5 * GiB, 3 * GiB, 3 * GiB + 17]) {
      const pieces = Math.ceil(size / pieceLengthFor(size));
      expect(pieces).toBeGreaterThan(512);
      expect(pieces).toBeLessThanOrEqual(1024);
    }
  });

  it('rejects negative or fractional sizes', () => {
    expect(() => pieceLengthFor(-1)).toThrow(RangeError);
    expect(() => pieceLengthFor(1.5)).toThrow(RangeError);
  });
});

/** A deterministic byte pattern: a 1,000,003-byte block (not aligned to any piece) repeated. */
const PERIOD = 1_000_003;
function patternBlock(seed: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0, n = 0; n < PERIOD; i++) {
    const h = createHash('sha256').update(`${seed}:${i}`).digest();
    parts.push(h);
    n += h.length;
  }
  return Buffer.concat(parts).subarray(0, PERIOD);
}

function* patternChunks(size: number, seed: string): Generator<Buffer> {
  const block = patternBlock(seed);
  for (let offset = 0; offset < size; offset += PERIOD)
    yield block.subarray(0, Math.min(PERIOD, size - offset));
}

async function writePattern(path: string, size: number, seed: string): Promise<void> {
  await pipeline(Readable.from(patternChunks(size, seed)), createWriteStream(path));
}

/** Pipes a pattern through a TorrentPieceStream; resolves with its result and the bytes' sha256. */
async function throughPieceStream(
  size: number,
  seed: string,
  declared: number | undefined,
): Promise<{ torrent: BlobTorrentInfo | undefined; sha256: string; size: number }> {
  const pieces = new TorrentPieceStream(declared);
  const out = createHash('sha256');
  let passed = 0;
  await pipeline(
    Readable.from(patternChunks(size, seed)),
    pieces,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.update(chunk);
        passed += chunk.length;
        cb();
      },
    }),
  );
  return { torrent: await pieces.result(), sha256: out.digest('hex'), size: passed };
}

function patternSha256(size: number, seed: string): string {
  const hash = createHash('sha256');
  for (const chunk of patternChunks(size, seed)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Infohashes of the current torrent format (pieces of at least 1 MiB; lib/torrent.ts
 * pieceLengthFor): the same bytes must give the same infohash on every registry and
 * client of this format. Blobs stored before keep the info dictionary recorded with them.
 */
const GOLDEN: [size: number, infoHash: string, pieceLength: number][] = [
  [0, '5dcdd670276c3ff6518eede84bb2c0bfdd4dc5d9', MiB],
  [1, 'db93ae90ed50ef4b967238bf700640b5811c7fbd', MiB],
  [MiB, '4f9d2ba5d52b55b05e4df57a97c741e732e74fdd', MiB],
  [MiB + 1, '95d13f2381eba0101037438def3bfe36f040e023', MiB],
  [5 * MiB + 7, '582cb036bc428d441e8395bac58ece00dc8a3bd2', MiB],
  [1024 * MiB + 1, '93fc582eee23408833a71dea1141572f5eebfbeb', 2 * MiB],
];

describe('blob infohashes are fixed by the torrent format', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.cleanup());

  it.each(GOLDEN)('size %d → %s', async (size, infoHash, pieceLength) => {
    const path = join(tmp.dir, `pattern-${size}`);
    await writePattern(path, size, `docket-${size}`);
    const torrent = await createBlobTorrentInfo(path, size);
    expect(torrent.infoHash).toBe(infoHash);
    expect(torrent.pieceLength).toBe(pieceLength);
  });

  it.each(GOLDEN)('size %d → %s through a TorrentPieceStream', async (size, infoHash) => {
    const seed = `docket-${size}`;
    const { torrent, sha256, size: passed } = await throughPieceStream(size, seed, size);
    expect(torrent?.infoHash).toBe(infoHash);
    expect(passed).toBe(size);
    expect(sha256).toBe(patternSha256(size, seed));
  });
});

describe('TorrentPieceStream', () => {
  it('guesses the piece length of a blob of unknown size up to 1 GiB', async () => {
    const [size, infoHash] = GOLDEN[4]!;
    const { torrent } = await throughPieceStream(size, `docket-${size}`, undefined);
    expect(torrent?.infoHash).toBe(infoHash);
  });

  it('gives no torrent info for a blob of unknown size above 1 GiB', async () => {
    const size = 1024 * MiB + 1;
    const { torrent, size: passed } = await throughPieceStream(size, 'large', undefined);
    expect(torrent).toBeUndefined();
    expect(passed).toBe(size);
  });

  it('fails at its end when the bytes are not the declared size', async () => {
    await expect(throughPieceStream(1000, 'short', 1001)).rejects.toThrow(RangeError);
    await expect(throughPieceStream(1000, 'long', 999)).rejects.toThrow(RangeError);
  });

  it.each([0, KiB])('rejects its result when destroyed after %d bytes', async (bytes) => {
    const pieces = new TorrentPieceStream(10 * KiB);
    const errored = once(pieces, 'error');
    if (bytes > 0) pieces.write(Buffer.alloc(bytes));
    pieces.destroy(new Error('client went away'));
    const [err] = (await errored) as [Error];
    expect(err.message).toBe('client went away');
    await expect(pieces.result()).rejects.toThrow('client went away');
  });
});

describe('createBlobTorrentInfo', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('gives the same infohash for the same bytes, whatever the file name or directory', async () => {
    const blob = await writeBlob(tmp.dir, 200 * KiB + 123, 'one');
    await mkdir(join(tmp.dir, 'elsewhere'));
    const copy = join(tmp.dir, 'elsewhere', 'another-name.tar.gz');
    await writeFile(copy, blob.bytes);
    const a = await createBlobTorrentInfo(blob.path, blob.size);
    const b = await createBlobTorrentInfo(blob.path, blob.size);
    const c = await createBlobTorrentInfo(copy, blob.size);
    expect(a.infoHash).toMatch(/^[0-9a-f]{40}$/);
    expect(b.infoHash).toBe(a.infoHash);
    expect(c.infoHash).toBe(a.infoHash);
    expect(c.info.equals(a.info)).toBe(true);
    expect(createHash('sha1').update(a.info).digest('hex')).toBe(a.infoHash);
  });

  it('gives another infohash when one byte differs', async () => {
    const blob = await writeBlob(tmp.dir, 70 * KiB, 'two');
    const changed = Buffer.from(blob.bytes);
    changed[changed.length - 1] = (changed.at(-1) ?? 0) ^ 0xff;
    const other = join(tmp.dir, 'two-changed');
    await writeFile(other, changed);
    const a = await createBlobTorrentInfo(blob.path, blob.size);
    const b = await createBlobTorrentInfo(other, blob.size);
    expect(b.infoHash).not.toBe(a.infoHash);
  });

  it('writes a private single-file info dict named blob with sha1 piece hashes', async () => {
    const blob = await writeBlob(tmp.dir, 3 * MiB + 5, 'three');
    const { info, pieceLength } = await createBlobTorrentInfo(blob.path, blob.size);
    const dict = bencode.decode(info) as Record<string, unknown>;
    expect(Object.keys(dict).sort()).toEqual([
      'length',
      'name',
      'piece length',
      'pieces',
      'private',
    ]);
    expect(Buffer.from(dict.name as Uint8Array).toString()).toBe('blob');
    expect(dict.private).toBe(1);
    expect(dict.length).toBe(blob.size);
    expect(pieceLength).toBe(MiB);
    const pieces = Buffer.from(dict.pieces as Uint8Array);
    expect(pieces.length).toBe(4 * 20);
    const last = createHash('sha1')
      .update(blob.bytes.subarray(3 * MiB))
      .digest();
    expect(pieces.subarray(60).equals(last)).toBe(true);
  });

  it('rejects a file whose length is not the given size', async () => {
    const blob = await writeBlob(tmp.dir, 1000, 'four');
    await expect(createBlobTorrentInfo(blob.path, 999)).rejects.toThrow(RangeError);
  });

  it('renders a deterministic .torrent that parse-torrent reads back', async () => {
    const blob = await writeBlob(tmp.dir, 100 * KiB, 'five');
    const { info, infoHash } = await createBlobTorrentInfo(blob.path, blob.size);
    const opts = {
      announce: ['http://127.0.0.1:1/announce', 'udp://127.0.0.1:2'],
      urlList: ['http://127.0.0.1:3/v2/x/blobs/sha256:abc'],
    };
    const file = renderTorrentFile(info, opts);
    expect(renderTorrentFile(info, opts).equals(file)).toBe(true);
    const parsed = await parseTorrent(file);
    expect(parsed.infoHash).toBe(infoHash);
    expect(parsed.announce).toEqual(opts.announce);
    expect(parsed.urlList).toEqual(opts.urlList);
    expect(parsed.private).toBe(true);
    expect(parsed.created?.getTime()).toBe(TORRENT_CREATION_DATE * 1000);
    const outer = bencode.decode(file) as Record<string, unknown>;
    expect(outer['announce-list']).toHaveLength(2);
  });
});

describe('magnetLink and peer ids', () => {
  it('names the infohash, trackers and web seeds', () => {
    const link = magnetLink('ab'.repeat(20), {
      name: 'sha256:00',
      announce: ['http://t/announce'],
      urlList: ['http://r/blob'],
    });
    expect(link).toBe(
      `magnet:?xt=urn:btih:${'ab'.repeat(20)}&dn=sha256%3A00&tr=http%3A%2F%2Ft%2Fannounce&ws=http%3A%2F%2Fr%2Fblob`,
    );
  });

  it('makes 20-byte peer ids with the prefix', () => {
    const id = makePeerId('-DKR');
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(peerIdHasPrefix(id, '-DKR')).toBe(true);
    expect(peerIdHasPrefix(id, '-DKC')).toBe(false);
    expect(peerIdHasPrefix(undefined, '-DKR')).toBe(false);
  });
});
