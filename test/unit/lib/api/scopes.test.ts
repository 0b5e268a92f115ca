import { describe, expect, it } from 'vitest';
import {
  allows,
  parseScope,
  patternMatches,
  ScopeInvalidError,
} from '../../../../lib/api/scopes.js';

describe('scopes', () => {
  it('parse admin and action:pattern, and reject the rest', () => {
    expect(parseScope('admin')).toEqual({ kind: 'admin' });
    expect(parseScope('push:team/*')).toEqual({
      kind: 'repository',
      action: 'push',
      pattern: 'team/*',
    });
    for (const bad of [
      '',
      'pull',
      'read:team',
      'pull:',
      'pull:Team',
      'pull:**/x',
      'pull:a//b',
      'pull:a/***',
    ])
      expect(() => parseScope(bad), bad).toThrow(ScopeInvalidError);
  });

  it('* is one component, a last ** one or more', () => {
    expect(patternMatches('team/*', 'team/app')).toBe(true);
    expect(patternMatches('team/*', 'team/app/api')).toBe(false);
    expect(patternMatches('team/*', 'team')).toBe(false);
    expect(patternMatches('team/**', 'team/app/api')).toBe(true);
    expect(patternMatches('team/**', 'team')).toBe(false);
    expect(patternMatches('**', 'alpine')).toBe(true);
    expect(patternMatches('*', 'team/app')).toBe(false);
    expect(patternMatches('team/app', 'team/app')).toBe(true);
    expect(patternMatches('team/app', 'team/application')).toBe(false);
  });

  it('push implies pull, admin implies everything, delete nothing else', () => {
    const held = ['push:team/app', 'delete:old/*'].map(parseScope);
    expect(allows(held, 'pull', 'team/app')).toBe(true);
    expect(allows(held, 'push', 'team/app')).toBe(true);
    expect(allows(held, 'pull', 'other/app')).toBe(false);
    expect(allows(held, 'delete', 'team/app')).toBe(false);
    expect(allows(held, 'delete', 'old/x')).toBe(true);
    expect(allows(held, 'pull', 'old/x')).toBe(false);
    expect(allows([parseScope('admin')], 'delete', 'any/thing')).toBe(true);
  });
});
