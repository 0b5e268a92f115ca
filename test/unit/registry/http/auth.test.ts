import { describe, expect, it } from 'vitest';
import { readToken } from '../../../../registry/http/auth.js';

describe('readToken', () => {
  it('reads Bearer tokens and Basic passwords with any user', () => {
    expect(readToken('Bearer abc')).toBe('abc');
    expect(readToken(`Basic ${Buffer.from('me:s3:cret').toString('base64')}`)).toBe('s3:cret');
    expect(readToken(`basic ${Buffer.from(':tok').toString('base64')}`)).toBe('tok');
  });

  it('finds nothing in other headers', () => {
    expect(readToken(undefined)).toBeUndefined();
    expect(readToken('Digest x')).toBeUndefined();
    expect(readToken(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});
