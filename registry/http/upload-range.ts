import { UploadInvalidError } from '../errors.js';
import type { ByteRange } from '../storage/blob-store.js';

/**
 * The Content-Range of an upload chunk, `<start>-<end>` inclusive (distribution-spec
 * "Pushing a blob in chunks"; a `bytes ` prefix is tolerated). Throws UploadInvalidError.
 */
export function parseUploadContentRange(header: string): ByteRange {
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) throw new UploadInvalidError(`malformed Content-Range "${header}"`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start)
    throw new UploadInvalidError(`malformed Content-Range "${header}"`);
  return { start, end };
}

/** The `Range` response header of an upload holding `size` bytes: `0-<last offset>`. */
export function uploadRangeHeader(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}
