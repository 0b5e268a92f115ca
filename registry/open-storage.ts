import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { RegistryConfig } from './config.js';
import { BlobFileCache } from './storage/blob-file-cache.js';
import type { BlobStore, LocalBlobFiles } from './storage/blob-store.js';
import { FsBlobStore } from './storage/fs-blob-store.js';
import { S3BlobStore } from './storage/s3-blob-store.js';
import { parseStorageUrl } from './storage/storage-url.js';

export interface BlobStorage {
  store: BlobStore;
  /** Blob files for the seeder. */
  files: LocalBlobFiles;
  /** The files are the stored blobs themselves (FsBlobStore), not a cache of them. */
  inPlace: boolean;
  close(): Promise<void>;
}

/**
 * The blob store `config.storage` names, initialised: FsBlobStore in a directory
 * (`<dataDir>/blobs` by default), or S3BlobStore with a BlobFileCache in
 * `<dataDir>/storage-cache` for the seeder. The S3 client takes its credentials from the
 * AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles) and
 * its region from the URL, else AWS_REGION, else us-east-1.
 */
export async function openBlobStorage(
  config: RegistryConfig,
  dataDir: string,
  logger: Logger,
): Promise<BlobStorage> {
  const location = parseStorageUrl(config.storage ?? join(dataDir, 'blobs'));
  if (location.kind === 'fs') {
    const store = new FsBlobStore(resolve(location.dir));
    await store.init();
    return { store, files: store, inPlace: true, close: async () => {} };
  }
  const client = new S3Client({
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    region: location.region ?? process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    // The SDK's default CRC32 checksums (aws-chunked trailers) are not spoken by every
    // S3-compatible server; blobs are checked against their sha256 digest anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const store = new S3BlobStore({ client, bucket: location.bucket, prefix: location.prefix });
    await store.init();
    const cache = new BlobFileCache({
      store,
      dir: join(dataDir, 'storage-cache'),
      maxBytes: config.storageCacheSize,
      logger: logger.child({ component: 'storage-cache' }),
    });
    await cache.init();
    logger.info(
      { bucket: location.bucket, prefix: location.prefix, endpoint: location.endpoint },
      'blobs in S3 storage',
    );
    return { store, files: cache, inPlace: false, close: async () => client.destroy() };
  } catch (err) {
    client.destroy();
    throw err;
  }
}
