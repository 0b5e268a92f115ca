import { describe, expect, it } from 'vitest';
import { parseInfoHashList } from '../../../../lib/api/bodies.js';

const H = 'ab'.repeat(20);

describe('parseInfoHashList', () => {
  it('reads the infohashes, lower-cased', () => {
    expect(parseInfoHashList({ infoHashes: [H, H.toUpperCase().replace(/B/g, 'C')] })).toEqual([
      H,
      'ac'.repeat(20),
    ]);
    expect(parseInfoHashList({ infoHashes: [] })).toEqual([]);
  });

  it('skips entries that are not 40 hex characters', () => {
    expect(
      parseInfoHashList({ infoHashes: [H, 'xyz', 42, `${H}0`, null, 'g'.repeat(40)] }),
    ).toEqual([H]);
  });

  it('rejects a body without an infoHashes array', () => {
    for (const body of [null, undefined, 'x', {}, { infoHashes: 'abc' }, [H]])
      expect(parseInfoHashList(body)).toBeUndefined();
  });
});
