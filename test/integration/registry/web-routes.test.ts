import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HealthReport, Header, paths, type SwarmReport } from '../../../lib/api/index.js';
import { announceOnce } from '../../helpers/announce.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';

/** Needs `npm run build` first: the page is served from dist/web. */
describe('the web page routes and the endpoints it reads', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('serves index.html at / with its bundle, uncached, under a strict CSP', async () => {
    const res = await fetch(`${registry.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    const script = /src="(\/web\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const bundle = await fetch(`${registry.url}${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(bundle.headers.get('cache-control')).toContain('immutable');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('answers 404 for files outside the bundle', async () => {
    for (const path of ['/web/..%2Fpackage.json', '/web/.env', '/web/missing.js', '/web/'])
      expect((await fetch(`${registry.url}${path}`)).status, path).toBe(404);
  });

  it('reports health and a swarm a peer announced to', async () => {
    const health = (await (await fetch(`${registry.url}${paths.health()}`)).json()) as HealthReport;
    expect(health).toMatchObject({ blobs: 0, storageBytes: 0, authReads: false });
    expect(health.version).toMatch(/^\d+\.\d+\.\d+/);

    const swarm = (await (await fetch(`${registry.url}${paths.swarm()}`)).json()) as SwarmReport;
    expect(swarm.blobs).toEqual([]);
    expect(swarm.totals.savedBytes).toBe(0);
    // An unknown infohash is refused by the tracker and so never reported.
    await announceOnce(`${registry.url}${paths.announce()}`, 'ab'.repeat(20));
    const after = (await (await fetch(`${registry.url}${paths.swarm()}`)).json()) as SwarmReport;
    expect(after.blobs).toEqual([]);
  });
});

describe('the web page with --auth-reads', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({ authReads: true });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('loads the page without a token, and the API only with one', async () => {
    expect((await fetch(`${registry.url}/`)).status).toBe(200);
    const denied = await fetch(`${registry.url}${paths.swarm()}`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic/);
    const ok = await fetch(`${registry.url}${paths.swarm()}`, {
      headers: { Authorization: `Bearer ${registry.token}` },
    });
    expect(ok.status).toBe(200);
  });

  it("gives the page's requests a challenge browsers do not answer with a password dialog", async () => {
    const res = await fetch(`${registry.url}${paths.health()}`, {
      headers: { [Header.requestedWith]: 'docket-web' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });
});
