import { describe, expect, it } from 'vitest';
import type { RouteName } from '../../../../lib/api/index.js';
import { parseScope } from '../../../../lib/api/scopes.js';
import { UnauthorizedError } from '../../../../lib/errors.js';
import { AccessDeniedError } from '../../../../registry/errors.js';
import {
  accessFor,
  authorizeAccess,
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
});
