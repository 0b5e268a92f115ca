import { describe, expect, it } from 'vitest';
import type { RouteName } from '../../../../lib/api/index.js';
import { parseScope } from '../../../../lib/api/scopes.js';
import { UnauthorizedError } from '../../../../lib/errors.js';
import { AccessDeniedError, BlobUnknownError } from '../../../../registry/errors.js';
import {
  accessFor,
  authorizeAccess,
  authorizeBlobRead,
  blobReadOf,
  readToken,
  requiresToken,
} from '../../../../registry/http/auth.js';
import type { ActiveToken } from '../../../../registry/services/tokens.js';

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

describe('scope checks (accessFor + authorizeAccess)', () => {
  const token = (...scopes: string[]): ActiveToken => ({
    id: 1,
    name: 't',
    scopes: scopes.map(parseScope),
    secret: 's',
  });
  const check = (t: ActiveToken | null, route: RouteName, method: string, open = false) => {
    const params =
      route.startsWith('v2.') || route.startsWith('docket.history') ? ['team/app'] : [];
    try {
      authorizeAccess(t, accessFor({ route, params }, method), open);
      return 'ok';
    } catch (err) {
      if (err instanceof AccessDeniedError) return 403;
      if (err instanceof UnauthorizedError) return 401;
      throw err;
    }
  };

  it('maps every request to pull, push, delete or admin on its repository', () => {
    const pusher = token('push:team/app');
    expect(check(pusher, 'v2.manifest', 'GET')).toBe('ok');
    expect(check(pusher, 'v2.manifest', 'PUT')).toBe('ok');
    expect(check(pusher, 'v2.uploads', 'POST')).toBe('ok');
    expect(check(pusher, 'v2.manifest', 'DELETE')).toBe(403);
    expect(check(pusher, 'v2.blob', 'DELETE')).toBe(403);
    expect(check(pusher, 'docket.gc', 'POST')).toBe(403);
    expect(check(pusher, 'docket.tokens', 'GET')).toBe(403);
    expect(check(pusher, 'docket.images', 'POST')).toBe(403);
    expect(check(token('pull:other/*'), 'v2.manifest', 'GET')).toBe(403);
    expect(check(token('pull:other/*'), 'docket.events', 'GET')).toBe('ok');
    expect(check(token('delete:team/*'), 'docket.events', 'GET')).toBe(403);
    expect(check(token('admin'), 'docket.gc', 'POST')).toBe('ok');
    expect(check(null, 'v2.manifest', 'PUT')).toBe(401);
  });

  it('public reads are never refused for lack of scope', () => {
    expect(check(token('pull:other/*'), 'v2.manifest', 'GET', true)).toBe('ok');
    expect(check(null, 'v2.manifest', 'GET', true)).toBe('ok');
    expect(check(null, 'v2.manifest', 'GET', false)).toBe(401);
  });

  it('an access token from /v2/token is challenged (401) for what its docket token holds, refused (403) beyond', () => {
    const from = token('push:team/*');
    const narrowed: ActiveToken = {
      ...from,
      scopes: [parseScope('pull:team/app')],
      issuedFrom: from,
    };
    expect(check(narrowed, 'v2.manifest', 'GET')).toBe('ok');
    // The client asks the token endpoint for push and gets it.
    expect(check(narrowed, 'v2.uploads', 'POST')).toBe(401);
    expect(check(narrowed, 'v2.manifest', 'DELETE')).toBe(403);
    expect(check(narrowed, 'docket.gc', 'POST')).toBe(403);
  });
});

describe('blob reads by digest (blobReadOf + authorizeBlobRead)', () => {
  const token = (...scopes: string[]): ActiveToken => ({
    id: 1,
    name: 't',
    scopes: scopes.map(parseScope),
    secret: 's',
  });
  const digest = `sha256:${'ab'.repeat(32)}`;
  const read = (route: RouteName, params: string[], method = 'GET') =>
    blobReadOf({ route, params }, method);
  const check = (t: ActiveToken, r: ReturnType<typeof read>, holders: string[]) => {
    try {
      authorizeBlobRead(t, r ?? { digest }, holders);
      return 'ok';
    } catch (err) {
      if (err instanceof AccessDeniedError) return 403;
      if (err instanceof BlobUnknownError) return 404;
      throw err;
    }
  };

  it('names the blob of every by-digest read, and only of those', () => {
    expect(read('v2.blob', ['team/app', digest])).toEqual({ digest, repository: 'team/app' });
    expect(read('v2.blob', ['team/app', digest], 'HEAD')).toEqual({
      digest,
      repository: 'team/app',
    });
    expect(read('docket.blob', [digest])).toEqual({ digest });
    expect(read('docket.torrent', [digest])).toEqual({ digest });
    expect(read('v2.blob', ['team/app', digest], 'DELETE')).toBeUndefined();
    expect(read('v2.manifest', ['team/app', digest])).toBeUndefined();
  });

  it('through a repository: only a blob that repository holds (404 like an unknown blob)', () => {
    const team = token('pull:team/*');
    const v2 = read('v2.blob', ['team/app', digest]);
    expect(check(team, v2, ['team/app'])).toBe('ok');
    expect(check(team, v2, ['other/app'])).toBe(404);
    expect(check(team, v2, ['other/app', 'team/other'])).toBe(404);
    expect(check(team, v2, [])).toBe(404);
    expect(check(token('admin'), v2, [])).toBe('ok');
    expect(check(token('pull:**'), v2, ['other/app'])).toBe('ok');
  });

  it('through docket’s blob routes: a blob of some repository the token may pull (else 403)', () => {
    const team = token('pull:team/*');
    for (const r of [read('docket.blob', [digest]), read('docket.torrent', [digest])]) {
      expect(check(team, r, ['other/app', 'team/app'])).toBe('ok');
      expect(check(team, r, ['other/app'])).toBe(403);
      expect(check(team, r, [])).toBe(403);
      expect(check(token('admin'), r, [])).toBe('ok');
      expect(check(token('push:**'), r, ['other/app'])).toBe('ok');
    }
  });
});
