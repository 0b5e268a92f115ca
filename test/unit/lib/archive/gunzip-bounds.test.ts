import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GunzipMeter, gunzipWithin, RATIO_GRACE_BYTES } from '../../../../lib/archive/gzip.js';
import { GunzipLimitError } from '../../../../lib/errors.js';

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('gunzip bounds', () => {
  it('GunzipMeter: size bound at once, ratio bound only past the grace bytes', () => {
    const sized = new GunzipMeter({ maxBytes: 100, maxRatio: 1000 }, 'layer');
    sized.input(10);
    expect(sized.output(100)).toBeUndefined();
    expect(sized.output(1)).toBeInstanceOf(GunzipLimitError);

    const dense = new GunzipMeter({ maxBytes: Number.MAX_SAFE_INTEGER, maxRatio: 10 }, 'layer');
    dense.input(1);
    expect(dense.output(RATIO_GRACE_BYTES)).toBeUndefined();
    expect(dense.output(1)).toBeInstanceOf(GunzipLimitError);

    const fine = new GunzipMeter({ maxBytes: Number.MAX_SAFE_INTEGER, maxRatio: 10 }, 'layer');
    fine.input(RATIO_GRACE_BYTES);
    expect(fine.output(2 * RATIO_GRACE_BYTES)).toBeUndefined();
  });

  it('gunzipWithin stops a pipeline past the bound and passes one within', async () => {
    const gz = gzipSync(Buffer.alloc(1024 * 1024));
    await expect(
      pipeline([
        Readable.from([gz]),
        ...gunzipWithin({ maxBytes: 4096, maxRatio: 1 }, 'l'),
        discard(),
      ]),
    ).rejects.toBeInstanceOf(GunzipLimitError);
    await pipeline([
      Readable.from([gz]),
      ...gunzipWithin({ maxBytes: 1024 * 1024, maxRatio: 1 }, 'l'),
      discard(),
    ]);
  });
});
