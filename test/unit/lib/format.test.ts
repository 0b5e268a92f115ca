import { describe, expect, it } from 'vitest';
import { humanSize, plural, sizeParts } from '../../../lib/format.js';

describe('sizeParts', () => {
  it.each([
    [0, '0', 'B'],
    [999, '999', 'B'],
    [1000, '1.00', 'kB'],
    [1_500_000, '1.50', 'MB'],
    [25_600_000, '25.6', 'MB'],
    // Rounds up to 1000 in the unit below rather than 1.00 in the next one.
    [999_999, '1000', 'kB'],
    [5e15, '5000', 'TB'],
  ])('%d → %s %s', (n, value, unit) => {
    expect(sizeParts(n)).toEqual([value, unit]);
  });

  it('is what humanSize writes, without trailing zeros or a space', () => {
    expect(humanSize(1_500_000)).toBe('1.5MB');
    expect(humanSize(1000)).toBe('1kB');
  });
});

describe('plural', () => {
  it('adds an s unless there is exactly one, or takes the given plural', () => {
    expect(plural(1, 'layer')).toBe('1 layer');
    expect(plural(0, 'layer')).toBe('0 layers');
    expect(plural(2, 'copy', 'copies')).toBe('2 copies');
  });
});
