import { describe, expect, it } from 'vitest';
import { infoHashesOf, passkeyOf } from '../../../tracker/embedded.js';

describe('a private tracker request’s query', () => {
  it('gives every info_hash as hex, percent-encoded bytes and plain ones alike', () => {
    const hash = Buffer.from('0123456789abcdef0123', 'latin1');
    const escaped = [...hash].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const plain = hash.toString('latin1');
    const url = `/announce?passkey=7.x&info_hash=${escaped}&peer_id=p&info_hash=${plain}`;
    expect(infoHashesOf(url)).toEqual([hash.toString('hex'), hash.toString('hex')]);
    expect(passkeyOf(url)).toBe('7.x');
  });

  it('leaves out values that are not 20 bytes', () => {
    expect(infoHashesOf('/scrape?info_hash=%aa&info_hash=')).toEqual([]);
    expect(infoHashesOf('/scrape')).toEqual([]);
  });
});
