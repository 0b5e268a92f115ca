import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../../lib/errors.js';
import { createHttpApp } from '../../../../lib/http/app.js';
import type { RouteTable } from '../../../../lib/http/router.js';
import { firstError, serve } from './serve.js';

describe('router', () => {
  const seen: string[] = [];
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const routes: RouteTable = {
      'v2.base': {
        GET: (ctx) => {
          ctx.body = {};
        },
      },
      'v2.manifest': {
        GET: (ctx, m) => {
          seen.push(`${ctx.state.route} ${JSON.stringify(ctx.state.routeParams)}`);
          ctx.body = { params: m.params };
        },
        HEAD: (ctx) => {
          ctx.status = 200;
        },
      },
      'docket.health': {
        GET: (ctx) => {
          ctx.body = { ok: true };
        },
      },
    };
    const app = createHttpApp({
      routes,
      onUnknown: () => {},
      authorize: (ctx) => {
        if (ctx.get('X-Deny')) throw new UnauthorizedError('denied');
      },
    });
    server = await serve(app);
  });
  afterAll(() => server.close());

  it('calls the handler of the route and method, with the decoded params', async () => {
    const res = await fetch(`${server.url}/v2/team/app/manifests/v%201`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ params: ['team/app', 'v 1'] });
    expect(seen).toEqual(['v2.manifest ["team/app","v 1"]']);
  });

  it('answers 404 UNSUPPORTED for a path no route of the table matches', async () => {
    for (const path of ['/nowhere', '/v2/team/app/tags/list', '/v2/a/manifests/%E0%A4%A']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await firstError(res)).toMatchObject({
        code: 'UNSUPPORTED',
        message: expect.any(String),
      });
    }
  });

  it('answers 405 UNSUPPORTED with Allow when the route is there but not the method', async () => {
    const res = await fetch(`${server.url}/v2/team/app/manifests/v1`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await firstError(res)).code).toBe('UNSUPPORTED');
  });

  it('asks authorize before the handler', async () => {
    const res = await fetch(`${server.url}/docket/v1/health`, { headers: { 'X-Deny': '1' } });
    expect(res.status).toBe(401);
    expect((await firstError(res)).code).toBe('UNAUTHORIZED');
  });

  it('sets Docker-Distribution-API-Version on /v2 answers only, errors included', async () => {
    const header = async (path: string) =>
      (await fetch(`${server.url}${path}`)).headers.get('docker-distribution-api-version');
    expect(await header('/v2/')).toBe('registry/2.0');
    expect(await header('/v2')).toBe('registry/2.0');
    expect(await header('/v2/unknown/route')).toBe('registry/2.0');
    expect(await header('/docket/v1/health')).toBeNull();
    expect(await header('/nowhere')).toBeNull();
  });
});
