import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { type GunzipBounds, gunzipWithin, isGzip } from '../../lib/archive/gzip.js';
import { type Digest, DigestStream } from '../../lib/digest.js';
import { GunzipLimitError } from '../../lib/errors.js';
import type { ByteRange } from '../storage/blob-store.js';

/**
 * The diff_id of a layer blob: the sha256 of its uncompressed tar (image-spec config
 * "rootfs.diff_ids"). A gzip blob (RFC 1952 magic) is gunzipped on the way; any other
 * blob is taken as the plain tar it is, so its diff_id is its own digest, which the store
 * verified when the blob was written: only its first two bytes are read. `open` streams
 * the blob, or a range of it.
 *
 * The registry indexes layers by diff_id (`GET /docket/v1/layers/<diffId>`; tarball
 * import and `docket push` reuse the blob found there), so it records only diff_ids it
 * computed: an uploader's config may claim any diff_id for its layers.
 *
 * Undefined when the gzip expands beyond `bounds`: such a blob is stored, just not
 * indexed by diff_id, rather than inflated without end.
 */
export async function layerDiffId(
  blob: { digest: Digest; size: number },
  open: (range?: ByteRange) => Promise<Readable>,
  bounds: GunzipBounds,
): Promise<Digest | undefined> {
  const head = blob.size >= 2 ? await buffer(await open({ start: 0, end: 1 })) : Buffer.alloc(0);
  if (!isGzip(head)) return blob.digest;
  const hash = new DigestStream();
  const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const body = await open();
  try {
    await pipeline([body, ...gunzipWithin(bounds, 'layer'), hash, discard]);
  } catch (err) {
    if (err instanceof GunzipLimitError) return undefined;
    throw err;
  }
  return hash.result().digest;
}
