import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../lib/digest.js';
import { DigestMismatchError } from '../../../lib/errors.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../../../registry/storage/s3-blob-store.js';
import { freshBucket, s3TestClient } from '../../helpers/ceph.js';
import { blobStoreSuite } from '../../unit/registry/storage/blob-store-suite.js';

let client: S3Client;
let bucket: string;
beforeAll(async () => {
  client = s3TestClient();
  bucket = await freshBucket(client);
});
afterAll(() => client?.destroy());

async function keys(prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key as string);
}

async function multipartUploads(prefix: string): Promise<string[]> {
  const page = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }),
  );
  return (page.Uploads ?? []).map((u) => u.Key as string);
}

/** A store under a prefix of its own in the run's bucket. */
function storeAt(prefix: string, opts: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({ client, bucket, prefix, ...opts });
}

const body = (data: Buffer | string) => Readable.from([Buffer.from(data)]);

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

// staleAfterMs 0: a restart (init) forgets every session, as FsBlobStore's does.
blobStoreSuite('S3BlobStore on Ceph RGW', async () => {
  const prefix = `suite/${randomUUID()}`;
  const store = storeAt(prefix, { staleAfterMs: 0 });
  await store.init();
  return {
    store,
    leftovers: async () => [
      ...(await keys(`${prefix}/_tmp/`)),
      ...(await keys(`${prefix}/uploads/`)),
      ...(await multipartUploads(`${prefix}/`)),
    ],
  };
});

describe('S3BlobStore on Ceph RGW', () => {
  it('keeps nothing under the digest key of a put whose digest does not match', async () => {
    const prefix = `mismatch/${randomUUID()}`;
    const store = storeAt(prefix);
    await store.init();
    const content = randomBytes(64 * 1024);
    await expect(
      store.put(body(content), { digest: sha256Digest('something else') }),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await keys(`${prefix}/`)).toEqual([]);
    expect(await multipartUploads(`${prefix}/`)).toEqual([]);
  });

  it('lets another instance (another replica) continue and commit an upload session', async () => {
    const prefix = `replicas/${randomUUID()}`;
    const first = storeAt(prefix);
    const second = storeAt(prefix);
    await first.init();
    const id = await first.startUpload();
    await first.appendUpload(id, body('started on one replica, '));
    await second.init(); // a replica starting now leaves young sessions alone
    expect(await second.uploadSize(id)).toBe(24);
    await second.appendUpload(id, body('finished on another'));
    const digest = sha256Digest('started on one replica, finished on another');
    expect(await second.commitUpload(id, { digest })).toEqual({ digest, size: 43 });
    expect((await bytes(await first.open(digest))).toString()).toBe(
      'started on one replica, finished on another',
    );
    expect(await keys(`${prefix}/`)).toEqual([first.blobKey(digest)]);
  });

  it('stores a multipart blob, copies it into place part by part, and serves ranges of it', async () => {
    const prefix = `large/${randomUUID()}`;
    const mib = 1024 * 1024;
    // S3's smallest part is 5 MiB: 12 MiB makes three parts, uploaded and copied.
    const store = storeAt(prefix, { partBytes: 5 * mib, singleCopyBytes: 5 * mib });
    await store.init();
    const content = randomBytes(12 * mib);
    const digest = sha256Digest(content);
    const chunks = [
      content.subarray(0, 4 * mib),
      content.subarray(4 * mib, 9 * mib),
      content.subarray(9 * mib),
    ];
    expect(await store.put(Readable.from(chunks), { digest, size: content.length })).toEqual({
      digest,
      size: content.length,
    });
    expect(await store.stat(digest)).toBe(content.length);
    const range = { start: 5 * mib - 10, end: 5 * mib + 9 };
    expect(await bytes(await store.open(digest, range))).toEqual(
      content.subarray(range.start, range.end + 1),
    );
    expect((await bytes(await store.open(digest))).equals(content)).toBe(true);
    expect(await keys(`${prefix}/`)).toEqual([store.blobKey(digest)]);
    expect(await multipartUploads(`${prefix}/`)).toEqual([]);
  });
});
