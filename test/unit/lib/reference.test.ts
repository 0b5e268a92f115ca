import { describe, expect, it } from 'vitest';
import { ReferenceInvalidError } from '../../../lib/errors.js';
import {
  formatReference,
  manifestReference,
  parseName,
  parseReference,
  parseTag,
} from '../../../lib/reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['app', { name: 'app' }],
    ['app:1.0', { name: 'app', tag: '1.0' }],
    ['team/app:v_2', { name: 'team/app', tag: 'v_2' }],
    ['127.0.0.1:5000/team/app:1', { domain: '127.0.0.1:5000', name: 'team/app', tag: '1' }],
    ['localhost/app', { domain: 'localhost', name: 'app' }],
    ['registry.example/a.b__c-d/e', { domain: 'registry.example', name: 'a.b__c-d/e' }],
    [`app@${DIGEST}`, { name: 'app', digest: DIGEST }],
    [`app:1@${DIGEST}`, { name: 'app', tag: '1', digest: DIGEST }],
  ])('parses %s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['App', 'uppercase'],
    ['app:', 'empty tag'],
    ['app:-x', 'tag starting with -'],
    [`app:${'t'.repeat(129)}`, 'tag too long'],
    ['app@sha256:abc', 'short digest'],
    ['app@md5:abc', 'other algorithm'],
    ['a//b', 'empty component'],
    ['a/-b', 'component starting with -'],
    ['a..b', 'double dot'],
    ['/app', 'leading slash'],
    ['app/', 'trailing slash'],
    [`${'a'.repeat(256)}`, 'name too long'],
  ])('rejects %s (%s)', (input) => {
    expect(() => parseReference(input)).toThrow(ReferenceInvalidError);
  });

  it('round-trips through formatReference', () => {
    const input = `127.0.0.1:5000/team/app:1@${DIGEST}`;
    expect(formatReference(parseReference(input))).toBe(input);
  });

  it('fetches by digest first, then tag, then latest', () => {
    expect(manifestReference(parseReference(`a:1@${DIGEST}`))).toBe(DIGEST);
    expect(manifestReference(parseReference('a:1'))).toBe('1');
    expect(manifestReference(parseReference('a'))).toBe('latest');
  });
});

describe('parseName and parseTag', () => {
  it('accepts the spec grammar and rejects the rest', () => {
    expect(parseName('a/b-c/d__e')).toBe('a/b-c/d__e');
    expect(() => parseName('a/B')).toThrow(ReferenceInvalidError);
    expect(parseTag('_x.Y-1')).toBe('_x.Y-1');
    expect(() => parseTag('.x')).toThrow(ReferenceInvalidError);
  });
});
