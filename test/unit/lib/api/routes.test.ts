import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../../../lib/api/routes.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('matchRoute', () => {
  it.each([
    ['/v2/', 'v2.base', []],
    ['/v2', 'v2.base', []],
    ['/v2/_catalog', 'v2.catalog', []],
    ['/v2/token', 'v2.token', []],
    ['/v2/a/b/c/tags/list', 'v2.tags', ['a/b/c']],
    ['/v2/a/b/manifests/latest', 'v2.manifest', ['a/b', 'latest']],
    [`/v2/a/manifests/${D}`, 'v2.manifest', ['a', D]],
    [`/v2/a/b/referrers/${D}`, 'v2.referrers', ['a/b', D]],
    [`/v2/a/referrers/b/manifests/${D}`, 'v2.manifest', ['a/referrers/b', D]],
    ['/v2/a/b/blobs/uploads/', 'v2.uploads', ['a/b']],
    ['/v2/a/b/blobs/uploads', 'v2.uploads', ['a/b']],
    ['/v2/a/b/blobs/uploads/1234', 'v2.upload', ['a/b', '1234']],
    [`/v2/a/blobs/b/blobs/${D}`, 'v2.blob', ['a/blobs/b', D]],
    [`/v2/x/blobs/${D.replace(':', '%3A')}`, 'v2.blob', ['x', D]],
    ['/docket/v1/images', 'docket.images', []],
    ['/docket/v1/images/team/app/v1/history', 'docket.history', ['team/app', 'v1']],
    ['/docket/v1/images/team/app/v1/rollback', 'docket.rollback', ['team/app', 'v1']],
    ['/docket/v1/gc', 'docket.gc', []],
    [`/docket/v1/blobs/${D}`, 'docket.blob', [D]],
    [`/docket/v1/blobs/${D}/torrent`, 'docket.torrent', [D]],
    [`/docket/v1/layers/${D}`, 'docket.layer', [D]],
    ['/announce', 'tracker.announce', []],
    ['/metrics', 'metrics', []],
    ['/docket/v1/swarm', 'docket.swarm', []],
    ['/docket/v1/health', 'docket.health', []],
    ['/', 'web.index', []],
    ['/web/app-ABCD1234.js', 'web.file', ['app-ABCD1234.js']],
  ])('%s → %s %j', (path, route, params) => {
    expect(matchRoute(path)).toEqual({ route, params });
  });

  it('matches nothing else', () => {
    for (const path of ['/v3/', '/v2/a/b', '/docket/v1/blobs', '/v2/a/%E0%A4%A/tags/list'])
      expect(matchRoute(path)).toBeUndefined();
  });

  it('gives the web page bare file names only', () => {
    for (const path of [
      '/web/',
      '/web/../package.json',
      '/web/..%2Fpackage.json',
      '/web/%2e%2e',
      '/web/.hidden',
      '/web/a/b.js',
      '/index.html',
    ])
      expect(matchRoute(path)).toBeUndefined();
  });
});
