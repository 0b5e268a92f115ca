import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipLayer, gzipPays, isGzip } from '../../../../lib/archive/gzip.js';
import { randomBytes } from '../../../../testbed/images.js';

async function compress(chunks: Buffer[]): Promise<Buffer> {
  return buffer(Readable.from(chunks).pipe(gzipLayer()));
}

describe('gzipLayer', () => {
  const data = Buffer.concat([randomBytes('gz', 300_000), Buffer.alloc(500_000, 'a')]);

  it('compresses the same bytes to the same bytes, however they are chunked', async () => {
    const whole = await compress([data]);
    const split = await compress([
      data.subarray(0, 12345),
      data.subarray(12345, 600_000),
      data.subarray(600_000),
    ]);
    expect(split.equals(whole)).toBe(true);
    expect(gunzipSync(whole).equals(data)).toBe(true);
    expect(whole.length).toBeLessThan(data.length);
  });

  it('writes a gzip header without name or mtime', async () => {
    const out = await compress([data]);
    expect(isGzip(out)).toBe(true);
    expect(out.readUInt32LE(4)).toBe(0); // MTIME (RFC 1952, 2.3)
    expect(out[3]! & 0x08).toBe(0); // no FNAME
  });
});

describe('isGzip', () => {
  it('tells gzip magic from tar and short input', () => {
    expect(isGzip(Buffer.from([0x1f, 0x8b, 8]))).toBe(true);
    expect(isGzip(Buffer.from('data/'))).toBe(false);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
  });
});

describe('gzipPays', () => {
  it('says yes for bytes that shrink and no for random bytes', () => {
    expect(gzipPays(Buffer.alloc(200_000, 'a'))).toBe(true);
    expect(gzipPays(Buffer.from('tar header text '.repeat(5000)))).toBe(true);
    expect(gzipPays(randomBytes('incompressible', 200_000))).toBe(false);
    expect(gzipPays(Buffer.alloc(0))).toBe(true);
  });
});
