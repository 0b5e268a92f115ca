import type { Readable } from 'node:stream';
import { type Digest, isDigest } from '../../lib/digest.js';
import type { BlobService } from './blobs.js';

/** Image configs larger than this are not parsed for listings. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ImageConfigSummary {
  created?: string;
  architecture?: string;
  os?: string;
  diffIds: Digest[];
}

/** Reads what listings need from an image config blob (image-spec config.md); undefined if not one. */
export async function readConfig(
  blobs: BlobService,
  digest: Digest,
): Promise<ImageConfigSummary | undefined> {
  const record = blobs.find(digest);
  if (!record || record.size > MAX_CONFIG_BYTES) return undefined;
  const text = (await readAll(await blobs.open(digest))).toString('utf8');
  try {
    const doc = JSON.parse(text) as {
      created?: unknown;
      architecture?: unknown;
      os?: unknown;
      rootfs?: { diff_ids?: unknown };
    };
    const ids = Array.isArray(doc.rootfs?.diff_ids) ? doc.rootfs.diff_ids : [];
    return {
      created: typeof doc.created === 'string' ? doc.created : undefined,
      architecture: typeof doc.architecture === 'string' ? doc.architecture : undefined,
      os: typeof doc.os === 'string' ? doc.os : undefined,
      diffIds: ids.filter((d): d is Digest => typeof d === 'string' && isDigest(d)),
    };
  } catch {
    return undefined;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
