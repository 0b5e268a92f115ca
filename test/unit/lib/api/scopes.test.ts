import { describe, expect, it } from 'vitest';
import {
  allows,
  grantRequested,
  grantScopes,
  parseRequestedScopes,
  parseScope,
  patternMatches,
  readsBlob,
  readsEvery,
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

describe('blob reads by digest', () => {
  const held = (...s: string[]) => s.map(parseScope);

  it('admin and pull:** or push:** read every blob, whoever holds it', () => {
    for (const scopes of [['admin'], ['pull:**'], ['push:**']]) {
      expect(readsEvery(held(...scopes)), scopes[0]).toBe(true);
      expect(readsBlob(held(...scopes), []), scopes[0]).toBe(true);
    }
    expect(readsEvery(held('pull:*', 'delete:**'))).toBe(false);
  });

  it('a scoped token reads a blob only when it may pull a repository holding it', () => {
    const team = held('pull:team/*');
    expect(readsBlob(team, ['other/app'])).toBe(false);
    expect(readsBlob(team, [])).toBe(false);
    expect(readsBlob(team, ['other/app', 'team/app'])).toBe(true);
    expect(readsBlob(held('push:team/app'), ['team/app'])).toBe(true);
    expect(readsBlob(held('delete:**'), ['team/app'])).toBe(false);
  });
});

describe('token requests (Distribution token model)', () => {
  const isName = (n: string) => /^[a-z0-9]+(?:\/[a-z0-9]+)*$/.test(n);

  it('reads repository scopes, * as every action, and leaves out the rest', () => {
    expect(
      parseRequestedScopes(
        [
          'repository:team/app:pull,push',
          'registry:catalog:* repository:x:*',
          'repository:a:bogus',
        ],
        isName,
      ),
    ).toEqual([
      { name: 'team/app', actions: ['pull', 'push'] },
      { name: 'x', actions: ['pull', 'push', 'delete'] },
      { name: 'a', actions: [] },
    ]);
    // A name that is a pattern would grant more than one repository.
    expect(parseRequestedScopes(['repository:*:pull', 'repository:team/**:pull'], isName)).toEqual(
      [],
    );
  });

  it('grants the intersection: what is asked and held, the rest left out', () => {
    const asked = [
      { name: 'team/app', actions: ['pull', 'push'] as const },
      { name: 'other/app', actions: ['pull'] as const },
    ].map((a) => ({ name: a.name, actions: [...a.actions] }));
    expect(grantRequested([parseScope('pull:team/*')], asked, false)).toEqual([
      { name: 'team/app', actions: ['pull'] },
      { name: 'other/app', actions: [] },
    ]);
    expect(grantRequested([parseScope('admin')], asked, false)).toEqual(asked);
    expect(grantRequested(null, asked, true)).toEqual([
      { name: 'team/app', actions: ['pull'] },
      { name: 'other/app', actions: ['pull'] },
    ]);
    expect(grantRequested(null, asked, false).every((g) => g.actions.length === 0)).toBe(true);
  });

  it('a grant stands for exactly its repositories and actions', () => {
    const scopes = grantScopes([{ name: 'team/app', actions: ['pull', 'push'] }]);
    expect(allows(scopes, 'push', 'team/app')).toBe(true);
    expect(allows(scopes, 'pull', 'team/app/api')).toBe(false);
    expect(allows(scopes, 'delete', 'team/app')).toBe(false);
    expect(allows(scopes, 'pull', 'team/other')).toBe(false);
  });
});
