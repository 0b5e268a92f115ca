import { RangeNotSatisfiableError } from './errors.js';

/** Bytes `start` to `end`, both inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one range to send of a representation of `size` bytes, for a `Range` request header
 * (RFC 9110 §14.1.2, §14.2). Undefined means send it whole (200): no header, one that does
 * not parse or names a unit other than `bytes` (both ignored, §14.2), several disjoint
 * ranges (a server may ignore them; overlapping and adjacent ones are merged first), or a
 * suffix range of an empty representation. A suffix longer than the representation
 * selects all of it (§14.1.3); a range ending before it starts selects nothing (§14.1.1).
 * Throws RangeNotSatisfiableError when no range selects any of the bytes there are.
 */
export function parseRequestRange(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => /^(\d*)-(\d*)$/.exec(s));
  if (specs.length === 0 || specs.some((m) => !m || (m[1] === '' && m[2] === ''))) return undefined;
  const ranges: ByteRange[] = [];
  for (const [, first = '', last = ''] of specs as RegExpExecArray[]) {
    if (first === '') {
      const suffix = Number(last);
      if (suffix === 0) continue;
      if (size === 0) return undefined;
      ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (start < size && start <= end) ranges.push({ start, end });
  }
  if (ranges.length === 0) throw new RangeNotSatisfiableError(header, size);
  const merged = merge(ranges);
  return merged.length === 1 ? merged[0] : undefined;
}

/** Overlapping and adjacent ranges as one. */
function merge(ranges: ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.start <= prev.end + 1) prev.end = Math.max(prev.end, r.end);
    else out.push({ ...r });
  }
  return out;
}
