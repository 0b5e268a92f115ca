import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import bencode from 'bencode';
import createTorrent from 'create-torrent';

/**
 * Deterministic single-file torrents for blobs (BEP 3), hashed by create-torrent. The
 * same bytes give the same info dictionary, hence the same infohash, on every machine:
 * the info dict holds only `length`, `name`, `piece length`, `pieces` and `private`, and
 * its piece length comes from a fixed size table. Trackers and web seeds live outside the info dict, so they
 * can differ per registry without changing the infohash.
 */

/**
 * The file name inside every blob torrent. Fixed (not the digest) because the infohash
 * must depend on the bytes alone; a client that saves the file names it itself.
 */
export const BLOB_TORRENT_NAME = 'blob';

/**
 * `creation date` of every rendered .torrent (2024-01-01T00:00:00Z): a fixed value so
 * the same blob and trackers render the same bytes.
 */
export const TORRENT_CREATION_DATE = 1_704_067_200;

/** Peer id prefixes (Azureus style, BEP 20): a registry seed and a docket client. */
export const REGISTRY_PEER_ID_PREFIX = '-DKR';
export const CLIENT_PEER_ID_PREFIX = '-DKC';

const KIB = 1024;
const MIN_PIECE_LENGTH = 1024 * KIB;
const MAX_PIECE_LENGTH = 4 * KIB * KIB;
const TARGET_MAX_PIECES = 1024;

/**
 * The piece length for a blob of `size` bytes: the smallest power of two that keeps the
 * torrent at or under 1024 pieces, clamped to [1 MiB, 4 MiB]. So a blob between 1 GiB
 * and 4 GiB has 513–1024 pieces (pieces field ≤ 20 KiB, the .torrent stays small);
 * smaller blobs get 1 MiB pieces and larger ones 4 MiB, the common client maximum.
 * Why not smaller pieces: webtorrent's piece selection (trySelectWire) walks the pieces
 * for every wire on every update; with 256 KiB pieces it was the largest single cost of
 * a pull in `npm run bench --profile` (3.1 of 19.6 CPU s per host at N=4), with 1 MiB
 * pieces 0.3 s (BENCHMARKS.md). Blobs of 1 MiB or less do not use torrents at all.
 * Changing this table changes the infohash of every blob pushed afterwards; blobs stored
 * before keep the info dictionary recorded with them.
 */
export function pieceLengthFor(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid blob size ${size}`);
  let length = MIN_PIECE_LENGTH;
  while (length < MAX_PIECE_LENGTH && Math.ceil(size / length) > TARGET_MAX_PIECES) length *= 2;
  return length;
}

export interface BlobTorrentInfo {
  /** 40 lowercase hex characters: sha1 of `info` (BEP 3). */
  infoHash: string;
  /** The bencoded info dictionary. */
  info: Buffer;
  pieceLength: number;
}

/** sha1 of a bencoded info dictionary, as lowercase hex (BEP 3 "info_hash"). */
export function infoHashOf(info: Buffer): string {
  return createHash('sha1').update(info).digest('hex');
}

/**
 * Hashes `bytes`, which must be exactly `size` bytes, into the info dictionary of a
 * private single-file torrent named `blob`.
 * Throws a RangeError when the stream holds another number of bytes than `size`.
 */
export async function hashBlobTorrentInfo(bytes: Readable, size: number): Promise<BlobTorrentInfo> {
  const pieceLength = pieceLengthFor(size);
  const { info, length } = await hashInfo(bytes, pieceLength);
  if (length !== size) throw new RangeError(`the blob holds ${length} bytes, expected ${size}`);
  return { infoHash: infoHashOf(info), info, pieceLength };
}

/**
 * Hashes the file at `path` (which must hold exactly `size` bytes) into the info
 * dictionary of a private single-file torrent named `blob`.
 * Throws a RangeError when the file has another length than `size`.
 */
export function createBlobTorrentInfo(path: string, size: number): Promise<BlobTorrentInfo> {
  return hashBlobTorrentInfo(createReadStream(path, { highWaterMark: MIN_PIECE_LENGTH }), size);
}

/**
 * The info dictionary of `bytes` with create-torrent. Only the info dictionary is kept:
 * create-torrent's outer keys (`creation date`, `encoding`) are dropped, and its default
 * public trackers are turned off by an empty announce list. The info dictionary then
 * holds `length`, `name`, `piece length`, `pieces` and `private`, nothing else.
 */
async function hashInfo(
  bytes: Readable,
  pieceLength: number,
): Promise<{ info: Buffer; length: number }> {
  const torrent = await new Promise<Uint8Array>((resolve, reject) =>
    createTorrent(
      bytes,
      {
        name: BLOB_TORRENT_NAME,
        private: true,
        pieceLength,
        announceList: [],
        creationDate: TORRENT_CREATION_DATE * 1000,
      },
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
  const { info } = bencode.decode(torrent) as { info: { length: number } };
  return { info: Buffer.from(bencode.encode(info)), length: info.length };
}

/**
 * A pass-through stream that hashes the bytes of a blob into torrent pieces while they
 * flow to their destination, so a stored blob need not be read back. Its end waits for
 * the last piece hash and fails with a RangeError when `size` was given and the bytes
 * are another length, so a pipeline writing a temp file rejects before any rename.
 *
 * Without `size` the piece length is a guess, that of a blob up to 1 GiB: `result()`
 * then resolves with undefined when the blob turned out larger, and the caller hashes
 * it again with the right piece length.
 */
export class TorrentPieceStream extends Transform {
  private readonly feed = new PassThrough({ highWaterMark: MIN_PIECE_LENGTH });
  private readonly hashed: Promise<BlobTorrentInfo | undefined>;

  constructor(size?: number) {
    super();
    const pieceLength = pieceLengthFor(size ?? 0);
    this.hashed = hashInfo(this.feed, pieceLength).then(({ info, length }) => {
      if (size === undefined)
        return pieceLengthFor(length) === pieceLength
          ? { infoHash: infoHashOf(info), info, pieceLength }
          : undefined;
      if (length !== size) throw new RangeError(`the blob holds ${length} bytes, expected ${size}`);
      return { infoHash: infoHashOf(info), info, pieceLength };
    });
    // Should create-torrent stop reading the feed, fail the stream rather than stall it.
    this.hashed.catch((err: Error) => this.destroy(err));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.feed.write(chunk)) cb(null, chunk);
    else this.feed.once('drain', () => cb(null, chunk));
  }

  override _flush(cb: TransformCallback): void {
    this.feed.end();
    this.hashed.then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.feed.destroy(err ?? undefined);
    cb(err);
  }

  /**
   * The torrent info of every byte that passed, once the stream ended; undefined when
   * no size was given and the blob is larger than 1 GiB.
   */
  result(): Promise<BlobTorrentInfo | undefined> {
    return this.hashed;
  }
}

/**
 * A .torrent file around an info dictionary, byte for byte the same for the same input:
 * `announce` (first tracker), `announce-list` (BEP 12, one tier per tracker, in order),
 * `url-list` (BEP 19 web seeds), a fixed `creation date`. The info bytes are copied
 * verbatim so the infohash cannot change.
 */
export function renderTorrentFile(
  info: Buffer,
  opts: { announce: string[]; urlList: string[] },
): Buffer {
  const entries: [string, Buffer][] = [];
  const enc = (v: unknown) => Buffer.from(bencode.encode(v));
  if (opts.announce.length > 0) {
    entries.push(['announce', enc(opts.announce[0])]);
    entries.push(['announce-list', enc(opts.announce.map((url) => [url]))]);
  }
  entries.push(['creation date', enc(TORRENT_CREATION_DATE)]);
  entries.push(['info', info]);
  if (opts.urlList.length > 0) entries.push(['url-list', enc(opts.urlList)]);
  // BEP 3: dictionary keys are sorted as raw strings; the list above is already in order.
  const parts: Buffer[] = [Buffer.from('d')];
  for (const [key, value] of entries) parts.push(enc(key), value);
  parts.push(Buffer.from('e'));
  return Buffer.concat(parts);
}

/**
 * A magnet link: `xt` (BEP 9), `dn`, one `tr` per tracker and one `ws` per web seed (the
 * web-seed parameter webtorrent and libtorrent read). Private torrents still need the
 * metadata from a peer, so a .torrent file is the better handle where one is available.
 */
export function magnetLink(
  infoHash: string,
  opts: { name?: string; announce?: string[]; urlList?: string[] },
): string {
  const params = [`xt=urn:btih:${infoHash}`];
  if (opts.name !== undefined) params.push(`dn=${encodeURIComponent(opts.name)}`);
  for (const tr of opts.announce ?? []) params.push(`tr=${encodeURIComponent(tr)}`);
  for (const ws of opts.urlList ?? []) params.push(`ws=${encodeURIComponent(ws)}`);
  return `magnet:?${params.join('&')}`;
}

/**
 * A 20-byte peer id `<prefix>010-` + 12 random alphanumerics (BEP 20 style), as the hex
 * string webtorrent takes.
 */
export function makePeerId(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const head = `${prefix}010-`;
  const tail = Array.from(randomBytes(20 - head.length), (b) => alphabet[b % alphabet.length]);
  return Buffer.from(head + tail.join(''), 'latin1').toString('hex');
}

/** Whether a peer id (hex, as webtorrent reports it) starts with `prefix`. */
export function peerIdHasPrefix(peerIdHex: string | undefined, prefix: string): boolean {
  if (!peerIdHex) return false;
  return Buffer.from(peerIdHex.slice(0, prefix.length * 2), 'hex').toString('latin1') === prefix;
}
