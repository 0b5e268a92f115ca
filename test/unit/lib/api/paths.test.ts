import { describe, expect, it } from 'vitest';
import { paths } from '../../../../lib/api/paths.js';
import { matchRoute, ROUTES, type RouteName } from '../../../../lib/api/routes.js';
import type { Digest } from '../../../../lib/digest.js';

const D = `sha256:${'0123456789abcdef'.repeat(4)}` as Digest;
const NAMES = ['app', 'team/app', 'a/b/c', 'a/blobs/b', 'x/manifests/y', 'odd name/%/ü'];
const REFS = ['latest', 'v1.2_3-rc', D, 'a b?c#d', '%2F', 'ü@:'];

/** Every builder with the route it must land on and the params it must give back. */
function cases(): Array<[string, RouteName, string[]]> {
  const out: Array<[string, RouteName, string[]]> = [
    [paths.base(), 'v2.base', []],
    [paths.token(), 'v2.token', []],
    [paths.catalog(), 'v2.catalog', []],
    [paths.images(), 'docket.images', []],
    [paths.infohashes(), 'docket.infohashes', []],
    [paths.gc(), 'docket.gc', []],
    [paths.docketTokens(), 'docket.tokens', []],
    [paths.docketToken('ci-bot'), 'docket.token', ['ci-bot']],
    [paths.docketTokenRotate('ci-bot'), 'docket.tokenRotate', ['ci-bot']],
    [paths.whoami(), 'docket.whoami', []],
    [paths.events(), 'docket.events', []],
    [paths.agentStatus(), 'agent.status', []],
    [paths.docketBlob(D), 'docket.blob', [D]],
    [paths.torrent(D), 'docket.torrent', [D]],
    [paths.layer(D), 'docket.layer', [D]],
    [paths.announce(), 'tracker.announce', []],
    [paths.scrape(), 'tracker.scrape', []],
    [paths.metrics(), 'metrics', []],
    [paths.swarm(), 'docket.swarm', []],
    [paths.health(), 'docket.health', []],
    [paths.webIndex(), 'web.index', []],
    [paths.webFile('app-ABCD1234.js'), 'web.file', ['app-ABCD1234.js']],
  ];
  for (const name of NAMES) {
    out.push([paths.tags(name), 'v2.tags', [name]]);
    out.push([paths.uploads(name), 'v2.uploads', [name]]);
    out.push([paths.blob(name, D), 'v2.blob', [name, D]]);
    out.push([paths.referrers(name, D), 'v2.referrers', [name, D]]);
    for (const ref of REFS) {
      out.push([paths.manifest(name, ref), 'v2.manifest', [name, ref]]);
      out.push([paths.upload(name, ref), 'v2.upload', [name, ref]]);
      out.push([paths.history(name, ref), 'docket.history', [name, ref]]);
      out.push([paths.rollback(name, ref), 'docket.rollback', [name, ref]]);
      out.push([paths.agentPreheat(name, ref), 'agent.preheat', [name, ref]]);
    }
  }
  return out;
}

describe('paths', () => {
  it.each(cases())('%s → %s %j', (path, route, params) => {
    expect(matchRoute(path)).toEqual({ route, params });
  });

  it('has a builder for every route', () => {
    const built = new Set(cases().map(([, route]) => route));
    expect([...built].sort()).toEqual(ROUTES.map((r) => r.name).sort());
  });

  it('leaves digests, tags and valid names as they read', () => {
    expect(paths.manifest('team/app', D)).toBe(`/v2/team/app/manifests/${D}`);
    expect(paths.blob('team/app', D)).toBe(`/v2/team/app/blobs/${D}`);
    expect(paths.uploads('team/app')).toBe('/v2/team/app/blobs/uploads/');
    expect(paths.history('team/app', 'v1.0')).toBe('/docket/v1/images/team/app/v1.0/history');
    expect(paths.torrent(D)).toBe(`/docket/v1/blobs/${D}/torrent`);
  });

  it('puts the referrers filter in the query', () => {
    expect(paths.referrers('team/app', D)).toBe(`/v2/team/app/referrers/${D}`);
    expect(paths.referrers('team/app', D, 'application/spdx+json')).toBe(
      `/v2/team/app/referrers/${D}?artifactType=application%2Fspdx%2Bjson`,
    );
  });

  it('percent-encodes what a path segment cannot hold', () => {
    expect(paths.manifest('a', 'x/y z')).toBe('/v2/a/manifests/x%2Fy%20z');
  });
});
