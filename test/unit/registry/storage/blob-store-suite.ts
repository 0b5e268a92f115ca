import { Readable, Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type Digest, sha256Digest } from '../../../../lib/digest.js';
import { DigestMismatchError, SizeMismatchError } from '../../../../lib/errors.js';
import { BlobUnknownError, UploadUnknownError } from '../../../../registry/errors.js';
import type { BlobStore } from '../../../../registry/storage/blob-store.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

const body = (s: string) => Readable.from([Buffer.from(s)]);

/** A tap that records the bytes it sees, or fails at its end with `failAtEnd`. */
function recordingTap(failAtEnd?: Error): Transform & { seen(): string } {
  const chunks: Buffer[] = [];
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      cb(failAtEnd);
    },
  });
  return Object.assign(tap, { seen: () => Buffer.concat(chunks).toString() });
}

/**
 * The contract every BlobStore implementation must meet (blob-store.ts). `make` returns a
 * fresh, empty store; `leftovers` lists whatever temp state it holds (must end empty).
 */
export function blobStoreSuite(
  label: string,
  make: () => Promise<{ store: BlobStore; leftovers(): Promise<string[]> }>,
): void {
  describe(`BlobStore contract: ${label}`, () => {
    it('stores a blob and streams it back, whole and by range', async () => {
      const { store } = await make();
      const result = await store.put(body('hello blob store'));
      expect(result).toEqual({ digest: sha256Digest('hello blob store'), size: 16 });
      expect(await store.stat(result.digest)).toBe(16);
      expect(await text(await store.open(result.digest))).toBe('hello blob store');
      expect(await text(await store.open(result.digest, { start: 6, end: 9 }))).toBe('blob');
    });

    it('verifies the expected digest and size, keeping nothing on mismatch', async () => {
      const { store, leftovers } = await make();
      const wrong = sha256Digest('other');
      await expect(store.put(body('content'), { digest: wrong })).rejects.toBeInstanceOf(
        DigestMismatchError,
      );
      await expect(store.put(body('content'), { size: 3 })).rejects.toBeInstanceOf(
        SizeMismatchError,
      );
      expect(await store.stat(wrong)).toBeUndefined();
      expect(await store.stat(sha256Digest('content'))).toBeUndefined();
      expect(await leftovers()).toEqual([]);
    });

    it('pipes the bytes of a put and of a commit through a tap, once and in order', async () => {
      const { store } = await make();
      const putTap = recordingTap();
      const stored = await store.put(
        Readable.from([Buffer.from('tapped '), Buffer.from('put')]),
        {},
        putTap,
      );
      expect(putTap.seen()).toBe('tapped put');
      expect(await text(await store.open(stored.digest))).toBe('tapped put');

      const id = await store.startUpload();
      await store.appendUpload(id, body('tapped '));
      await store.appendUpload(id, body('commit'));
      const commitTap = recordingTap();
      const digest = sha256Digest('tapped commit');
      expect(await store.commitUpload(id, { digest }, commitTap)).toEqual({ digest, size: 13 });
      expect(commitTap.seen()).toBe('tapped commit');
    });

    it('keeps nothing when the tap fails at its end', async () => {
      const { store, leftovers } = await make();
      const failure = new Error('tap failed');
      await expect(store.put(body('not kept'), {}, recordingTap(failure))).rejects.toBe(failure);
      expect(await store.stat(sha256Digest('not kept'))).toBeUndefined();

      const id = await store.startUpload();
      await store.appendUpload(id, body('not committed'));
      const digest = sha256Digest('not committed');
      await expect(store.commitUpload(id, { digest }, recordingTap(failure))).rejects.toBe(failure);
      expect(await store.stat(digest)).toBeUndefined();
      expect(await leftovers()).toEqual([]);
    });

    it('reports unknown blobs and uploads', async () => {
      const { store } = await make();
      const unknown = sha256Digest('nothing') as Digest;
      expect(await store.stat(unknown)).toBeUndefined();
      await expect(store.open(unknown)).rejects.toBeInstanceOf(BlobUnknownError);
      await expect(store.uploadSize('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(
        UploadUnknownError,
      );
      await expect(store.uploadSize('../../etc/passwd')).rejects.toBeInstanceOf(UploadUnknownError);
    });

    it('assembles an upload from chunks and commits it after verifying', async () => {
      const { store, leftovers } = await make();
      const id = await store.startUpload();
      expect(await store.uploadSize(id)).toBe(0);
      expect(await store.appendUpload(id, body('chunk one, '))).toBe(11);
      expect(await store.appendUpload(id, body('chunk two'))).toBe(20);
      expect(await text(await store.openUpload(id))).toBe('chunk one, chunk two');
      const digest = sha256Digest('chunk one, chunk two');
      expect(await store.commitUpload(id, { digest })).toEqual({ digest, size: 20 });
      expect(await text(await store.open(digest))).toBe('chunk one, chunk two');
      await expect(store.uploadSize(id)).rejects.toBeInstanceOf(UploadUnknownError);
      expect(await leftovers()).toEqual([]);
    });

    it('drops an upload whose digest does not match, and cancelled ones', async () => {
      const { store, leftovers } = await make();
      const id = await store.startUpload();
      await store.appendUpload(id, body('abc'));
      await expect(store.commitUpload(id, { digest: sha256Digest('abd') })).rejects.toBeInstanceOf(
        DigestMismatchError,
      );
      await expect(store.uploadSize(id)).rejects.toBeInstanceOf(UploadUnknownError);
      const other = await store.startUpload();
      await store.cancelUpload(other);
      await expect(store.uploadSize(other)).rejects.toBeInstanceOf(UploadUnknownError);
      expect(await store.stat(sha256Digest('abc'))).toBeUndefined();
      expect(await leftovers()).toEqual([]);
    });

    it('rolls a failed append back to the bytes held before it', async () => {
      const { store } = await make();
      const id = await store.startUpload();
      await store.appendUpload(id, body('kept'));
      const failing = new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('client went away'));
        },
      });
      await expect(store.appendUpload(id, failing)).rejects.toThrow('client went away');
      expect(await store.uploadSize(id)).toBe(4);
      await store.cancelUpload(id);
    });

    it('deletes blobs', async () => {
      const { store } = await make();
      const { digest } = await store.put(body('to delete'));
      await store.delete(digest);
      expect(await store.stat(digest)).toBeUndefined();
    });

    it('forgets uploads in progress when initialised again (a restart)', async () => {
      const { store, leftovers } = await make();
      const id = await store.startUpload();
      await store.appendUpload(id, body('left over'));
      await store.init();
      await expect(store.uploadSize(id)).rejects.toBeInstanceOf(UploadUnknownError);
      expect(await leftovers()).toEqual([]);
    });
  });
}
