import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256Digest } from '../../../../lib/digest.js';
import { SizeMismatchError } from '../../../../lib/errors.js';
import {
  type BlobTorrentInfo,
  createBlobTorrentInfo,
  TorrentPieceStream,
} from '../../../../lib/torrent.js';
import { Metadata } from '../../../../registry/metadata/metadata.js';
import { BlobService, type TorrentPieceHashers } from '../../../../registry/services/blobs.js';
import type { ByteRange } from '../../../../registry/storage/blob-store.js';
import { FsBlobStore } from '../../../../registry/storage/fs-blob-store.js';

/** An FsBlobStore that counts how often a stored blob is read back. */
class CountingStore extends FsBlobStore {
  reads = 0;
  override open(digest: Digest, range?: ByteRange): Promise<Readable> {
    this.reads++;
    return super.open(digest, range);
  }
}

/** A piece hasher whose piece length guess turned out wrong (a blob of unknown size above 256 MiB). */
class WrongGuess extends TorrentPieceStream {
  override result(): Promise<BlobTorrentInfo | undefined> {
    return super.result().then(() => undefined);
  }
}

const bytes = Buffer.from('a blob of bytes, '.repeat(40_000));
const digest = sha256Digest(bytes);

describe('BlobService', () => {
  let dir: string;
  let store: CountingStore;
  let metadata: Metadata;
  let hashers: (number | undefined)[];
  const service = (make: TorrentPieceHashers = (size) => new TorrentPieceStream(size)) =>
    new BlobService(store, metadata, (size) => {
      hashers.push(size);
      return make(size);
    });
  const expected = async () => {
    const path = join(dir, 'expected');
    await writeFile(path, bytes);
    return createBlobTorrentInfo(path, bytes.length);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-blob-service-'));
    store = new CountingStore(join(dir, 'blobs'));
    await store.init();
    metadata = Metadata.open(join(dir, 'docket.db'));
    hashers = [];
  });
  afterEach(async () => {
    metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records the torrent info of a put blob without reading it back', async () => {
    const record = await service().put(Readable.from([bytes]), { digest, size: bytes.length });
    const torrent = await expected();
    expect(record.infoHash).toBe(torrent.infoHash);
    expect(record.torrentInfo.equals(torrent.info)).toBe(true);
    expect(record.pieceLength).toBe(torrent.pieceLength);
    expect(hashers).toEqual([bytes.length]);
    expect(store.reads).toBe(0);
  });

  it('records the torrent info of a committed upload, sized from the upload', async () => {
    const id = await store.startUpload();
    await store.appendUpload(id, Readable.from([bytes.subarray(0, 1000)]));
    await store.appendUpload(id, Readable.from([bytes.subarray(1000)]));
    const record = await service().commitUpload(id, { digest });
    expect(record.infoHash).toBe((await expected()).infoHash);
    expect(hashers).toEqual([bytes.length]);
    expect(store.reads).toBe(0);
  });

  it('guesses the piece length of a put of unknown size', async () => {
    const record = await service().put(Readable.from([bytes]));
    expect(record.infoHash).toBe((await expected()).infoHash);
    expect(hashers).toEqual([undefined]);
    expect(store.reads).toBe(0);
  });

  it('reads the blob back once when the piece length was guessed wrong', async () => {
    const blobs = service((size) =>
      size === undefined ? new WrongGuess() : new TorrentPieceStream(size),
    );
    const record = await blobs.put(Readable.from([bytes]));
    expect(record.infoHash).toBe((await expected()).infoHash);
    expect(hashers).toEqual([undefined, bytes.length]);
    expect(store.reads).toBe(1);
  });

  it('hashes no pieces for a blob already recorded', async () => {
    const blobs = service();
    const first = await blobs.put(Readable.from([bytes]), { digest });
    const again = await blobs.put(
      Readable.from([bytes]),
      { digest },
      { mediaType: 'application/octet-stream' },
    );
    expect(again.infoHash).toBe(first.infoHash);
    expect(again.mediaType).toBe('application/octet-stream');
    expect(hashers).toEqual([undefined]);
    expect(store.reads).toBe(0);
  });

  it('tells onStored of each new blob once, after its row is written; not of a known one', async () => {
    const stored: string[] = [];
    const blobs = new BlobService(
      store,
      metadata,
      (size) => new TorrentPieceStream(size),
      undefined,
      (b) => {
        expect(blobs.find(b.digest)).toBeDefined();
        stored.push(b.digest);
      },
    );
    await blobs.put(Readable.from([bytes]), { digest });
    await blobs.put(Readable.from([bytes]), { digest });
    expect(stored).toEqual([digest]);
    await expect(
      blobs.put(Readable.from([bytes]), { digest: sha256Digest(Buffer.from('other')) }),
    ).rejects.toThrow();
    expect(stored).toEqual([digest]);
  });

  it('reports a size mismatch as such and records nothing', async () => {
    await expect(
      service().put(Readable.from([bytes]), { digest, size: bytes.length + 1 }),
    ).rejects.toBeInstanceOf(SizeMismatchError);
    expect(service().find(digest)).toBeUndefined();
    expect(await store.stat(digest)).toBeUndefined();
  });
});
