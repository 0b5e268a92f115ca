import { describe, expect, it } from 'vitest';
import { readToken, requiresToken } from '../../../../registry/http/auth.js';

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

describe('requiresToken', () => {
  it('asks for a token on writes, and on reads only of a private registry', () => {
    expect(requiresToken('v2.manifest', 'PUT', false)).toBe(true);
    expect(requiresToken('v2.manifest', 'GET', false)).toBe(false);
    expect(requiresToken('v2.referrers', 'GET', false)).toBe(false);
    expect(requiresToken('v2.manifest', 'HEAD', true)).toBe(true);
  });

  it('challenges every request of an upload session and the version check', () => {
    expect(requiresToken('v2.upload', 'GET', false)).toBe(true);
    expect(requiresToken('v2.uploads', 'POST', false)).toBe(true);
    expect(requiresToken('v2.base', 'GET', false)).toBe(true);
  });
});
