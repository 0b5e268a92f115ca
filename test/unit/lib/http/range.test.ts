import { describe, expect, it } from 'vitest';
import { RangeNotSatisfiableError } from '../../../../lib/http/errors.js';
import { parseRequestRange } from '../../../../lib/http/range.js';

describe('parseRequestRange (RFC 9110 §14)', () => {
  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=50-500', { start: 50, end: 99 }],
    // A suffix longer than the representation selects all of it (§14.1.3).
    ['bytes=-500', { start: 0, end: 99 }],
    ['Bytes = 3-4', { start: 3, end: 4 }],
    // Overlapping and adjacent ranges are one range.
    ['bytes=0-4,5-9', { start: 0, end: 9 }],
    ['bytes=0-9, 2-3', { start: 0, end: 9 }],
    // Ranges that select nothing are dropped when another does.
    ['bytes=0-1,200-300', { start: 0, end: 1 }],
    ['bytes=5-2,7-8', { start: 7, end: 8 }],
  ])('%j of 100 bytes is %j', (header, range) => {
    expect(parseRequestRange(header, 100)).toEqual(range);
  });

  it.each<[string | undefined, string]>([
    [undefined, 'no header'],
    ['', 'an empty header'],
    ['bytes=abc', 'a range that does not parse'],
    ['bytes=-', 'a range with neither end'],
    ['bytes=1-2-3', 'a range that does not parse'],
    ['bytes=0-1,abc', 'one range of several that does not parse'],
    ['bytes=', 'no range'],
    ['0-9', 'no unit'],
    ['items=0-1', 'a unit other than bytes (§14.2: ignored)'],
    ['bytes=0-1,50-60', 'several disjoint ranges'],
  ])('%j (%s) sends the whole representation', (header) => {
    expect(parseRequestRange(header, 100)).toBeUndefined();
  });

  it.each(['bytes=100-', 'bytes=100-200', 'bytes=-0', 'bytes=5-2', 'bytes=100-,200-'])(
    '%j of 100 bytes is not satisfiable',
    (header) => {
      expect(() => parseRequestRange(header, 100)).toThrow(RangeNotSatisfiableError);
      expect(() => parseRequestRange(header, 100)).toThrow(expect.objectContaining({ size: 100 }));
    },
  );

  it('of an empty representation: a suffix range sends it whole, any other is not satisfiable', () => {
    expect(parseRequestRange('bytes=-5', 0)).toBeUndefined();
    expect(() => parseRequestRange('bytes=0-0', 0)).toThrow(RangeNotSatisfiableError);
  });
});
