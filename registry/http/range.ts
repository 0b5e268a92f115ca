import parseRange from 'range-parser';
import { RangeNotSatisfiableError, UploadInvalidError } from '../errors.js';
import type { ByteRange } from '../storage/blob-store.js';

/**
 * A `Range: bytes=...` request header (RFC 9110 §14.2) against a blob of `size` bytes.
 * Returns undefined when the whole blob should be sent: no header, a malformed one
 * (which the RFC says to ignore) or several ranges. Throws RangeNotSatisfiableError.
 */
export function parseRequestRange(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -2) return undefined;
  if (ranges === -1 || ranges.type !== 'bytes') throw new RangeNotSatisfiableError(header, size);
  if (ranges.length !== 1) return undefined;
  const [range] = ranges;
  return { start: range!.start, end: range!.end };
}

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
