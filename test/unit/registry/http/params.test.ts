import { describe, expect, it } from 'vitest';
import { DigestInvalidError, ReferenceInvalidError } from '../../../../lib/errors.js';
import { digestParam, nameParam } from '../../../../registry/http/params.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('route params', () => {
  it('validates names and digests', () => {
    expect(nameParam({ route: 'v2.tags', params: ['team/app'] })).toBe('team/app');
    expect(() => nameParam({ route: 'v2.tags', params: ['Team/App'] })).toThrow(
      ReferenceInvalidError,
    );
    expect(() => nameParam({ route: 'v2.tags', params: ['a//b'] })).toThrow(ReferenceInvalidError);
    expect(digestParam(D)).toBe(D);
    expect(() => digestParam('sha256:abc')).toThrow(DigestInvalidError);
    expect(() => digestParam(undefined)).toThrow(DigestInvalidError);
  });
});
