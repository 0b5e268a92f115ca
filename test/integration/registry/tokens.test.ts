import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import parseTorrent from 'parse-torrent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedToken, TokenInfo } from '../../../lib/api/index.js';
import { announceOnce } from '../../helpers/announce.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { within } from '../../helpers/within.js';
import { client, expectError } from './http.js';

/** Real registries over HTTP: scopes, the tokens API, revocation and rotation. */
describe('scoped tokens (private registry, --auth-reads)', () => {
  let reg: TestRegistry;
  let admin: ReturnType<typeof client>;
  beforeAll(async () => {
    reg = await startTestRegistry({ authReads: true });
    admin = client(reg);
    await admin.pushImage('other/app', 'v1', 'other team');
  });
  afterAll(async () => {
    await reg?.close();
  });

  const create = async (name: string, scopes: string[], expiresInSeconds?: number) => {
    const res = await admin.request('POST', '/docket/v1/tokens', {
      body: JSON.stringify({ name, scopes, expiresInSeconds }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as CreatedToken;
  };
  const as = (token: string) => client({ ...reg, token });
  /** The torrent of `digest` as served to `token`: its passkey announce URL and signed web seed. */
  const torrentFor = async (token: string, digest: string) => {
    const res = await as(token).request('GET', `/docket/v1/blobs/${digest}/torrent`);
    expect(res.status).toBe(200);
    const parsed = await parseTorrent(Buffer.from(await res.arrayBuffer()));
    return {
      infoHash: parsed.infoHash as string,
      announce: (parsed.announce as string[])[0] as string,
      webSeed: (parsed.urlList as string[])[0] as string,
    };
  };
  const refused = (reply: string) => reply.includes('failure reason');

  it('a push-scoped token pushes its repository, and cannot pull another team’s image or run gc (403)', async () => {
    const ci = await create('ci-push', ['push:team/app']);
    const api = as(ci.token);
    await api.pushImage('team/app', 'v1', 'ours');
    expect((await api.request('GET', '/v2/team/app/manifests/v1')).status).toBe(200);
    await expectError(await api.request('GET', '/v2/other/app/manifests/v1'), 403, 'DENIED');
    await expectError(await api.request('GET', '/v2/other/app/tags/list'), 403, 'DENIED');
    await expectError(
      await api.request('PUT', '/v2/other/app/manifests/v2', { body: '{}' }),
      403,
      'DENIED',
    );
    await expectError(await api.request('DELETE', '/v2/team/app/manifests/v1'), 403, 'DENIED');
    await expectError(
      await api.request('POST', '/docket/v1/gc?graceSeconds=0&force=1'),
      403,
      'DENIED',
    );
    await expectError(await api.request('GET', '/docket/v1/tokens'), 403, 'DENIED');
    await expectError(
      await api.request('GET', '/v2/team/app/manifests/v1', { anonymous: true }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('lists tokens with scopes, creation, last use and expiry, never a secret', async () => {
    const made = await create('lister', ['pull:team/*'], 3600);
    expect((await as(made.token).request('GET', '/v2/team/app/tags/list')).status).toBe(200);
    const res = await admin.request('GET', '/docket/v1/tokens');
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(made.token);
    const listed = (JSON.parse(text) as TokenInfo[]).find((t) => t.name === 'lister');
    expect(listed).toMatchObject({ scopes: ['pull:team/*'] });
    expect(Date.parse(listed?.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(listed?.lastUsedAt).not.toBeNull();
    expect(Object.keys(listed ?? {}).sort()).toEqual(
      ['createdAt', 'expiresAt', 'lastUsedAt', 'name', 'scopes'].sort(),
    );
    await expectError(
      await admin.request('POST', '/docket/v1/tokens', {
        body: JSON.stringify({ name: 'lister', scopes: ['pull:**'] }),
      }),
      409,
      'TOKEN_EXISTS',
    );
    await expectError(
      await admin.request('POST', '/docket/v1/tokens', {
        body: JSON.stringify({ name: 'bad', scopes: ['pull:Team'] }),
      }),
      400,
      'TOKEN_INVALID',
    );
  });

  it('revoke: the next request gets 401, the next announce and the signed URL fail', async () => {
    const ci = await create('ci-revoked', ['pull:other/*']);
    const manifest = (await (
      await admin.request('GET', '/v2/other/app/manifests/v1', {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).json()) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]?.digest as string;
    const t = await torrentFor(ci.token, layer);
    expect(refused(await announceOnce(t.announce, t.infoHash))).toBe(false);
    expect((await fetch(t.webSeed, { headers: { range: 'bytes=0-0' } })).status).toBe(206);

    expect((await admin.request('DELETE', '/docket/v1/tokens/ci-revoked')).status).toBe(204);

    await expectError(
      await as(ci.token).request('GET', '/v2/other/app/tags/list'),
      401,
      'UNAUTHORIZED',
    );
    expect(refused(await announceOnce(t.announce, t.infoHash))).toBe(true);
    await expectError(await fetch(t.webSeed), 401, 'UNAUTHORIZED');
    await expectError(
      await admin.request('DELETE', '/docket/v1/tokens/ci-revoked'),
      404,
      'TOKEN_UNKNOWN',
    );
  });

  it('rotate: the old secret and passkey stop working, the new ones work', async () => {
    const ci = await create('ci-rotated', ['pull:other/app']);
    const manifest = (await (
      await admin.request('GET', '/v2/other/app/manifests/v1', {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).json()) as { config: { digest: string } };
    const before = await torrentFor(ci.token, manifest.config.digest);
    expect(refused(await announceOnce(before.announce, before.infoHash))).toBe(false);

    const res = await admin.request('POST', '/docket/v1/tokens/ci-rotated/rotate');
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as CreatedToken;
    expect(rotated.token).not.toBe(ci.token);

    await expectError(
      await as(ci.token).request('GET', '/v2/other/app/tags/list'),
      401,
      'UNAUTHORIZED',
    );
    expect(refused(await announceOnce(before.announce, before.infoHash))).toBe(true);
    await expectError(await fetch(before.webSeed), 403, 'DENIED');
    const after = await torrentFor(rotated.token, manifest.config.digest);
    expect(after.announce).not.toBe(before.announce);
    expect(refused(await announceOnce(after.announce, after.infoHash))).toBe(false);
  });

  it('an open event stream is closed when its token is revoked', async () => {
    const watcher = await create('ci-events', ['pull:team/*']);
    const url = new URL('/docket/v1/events', reg.url);
    const req = httpRequest(url, { headers: { Authorization: `Bearer ${watcher.token}` } });
    req.end();
    const [res] = (await within(5000, 'the stream opens', once(req, 'response'))) as [
      import('node:http').IncomingMessage,
    ];
    expect(res.statusCode).toBe(200);
    res.resume();
    // The registry cuts the connection: the response ends with 'aborted', then closes.
    res.on('error', () => {});
    req.on('error', () => {});
    const closed = new Promise((resolve) => res.once('close', resolve));
    expect((await admin.request('DELETE', '/docket/v1/tokens/ci-events')).status).toBe(204);
    await within(5000, 'the stream closes after the revoke', closed);
  });

  it('an expired token is refused like an unknown one', async () => {
    const short = await create('short-lived', ['pull:**'], 1);
    expect((await as(short.token).request('GET', '/v2/other/app/tags/list')).status).toBe(200);
    // Bounded wait for the expiry to pass (the registry's clock, 1 s).
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await as(short.token).request('GET', '/v2/other/app/tags/list')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
  });

  it('/v2/token grants only the requested actions the token holds', async () => {
    const puller = await create('login-pull', ['pull:team/*']);
    const basic = `Basic ${Buffer.from(`me:${puller.token}`).toString('base64')}`;
    const ask = async (scope: string) => {
      const res = await fetch(
        `${reg.url}/v2/token?service=docket&scope=${encodeURIComponent(scope)}`,
        {
          headers: { Authorization: basic },
        },
      );
      expect(res.status).toBe(200);
      return (await res.json()) as { token: string; access: { name: string; actions: string[] }[] };
    };
    const granted = await ask('repository:team/app:pull,push');
    expect(granted.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    expect((await ask('repository:other/app:pull')).access[0]?.actions).toEqual([]);
    // The token it hands back cannot push there either.
    const pushed = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${granted.token}` },
    });
    await expectError(pushed, 403, 'DENIED');
    const anonymous = await fetch(`${reg.url}/v2/token?scope=repository:team/app:pull`);
    expect(((await anonymous.json()) as { access: unknown[] }).access).toEqual([
      { type: 'repository', name: 'team/app', actions: [] },
    ]);
  });

  it('gc below the 5-minute grace floor needs force', async () => {
    await expectError(
      await admin.request('POST', '/docket/v1/gc?graceSeconds=0'),
      400,
      'PARAMETER_INVALID',
    );
    expect((await admin.request('POST', '/docket/v1/gc?graceSeconds=0&dryRun=1')).status).toBe(200);
    expect((await admin.request('POST', '/docket/v1/gc?graceSeconds=300')).status).toBe(200);
    expect((await admin.request('POST', '/docket/v1/gc?graceSeconds=0&force=1')).status).toBe(200);
  });
});

describe('scoped tokens (public registry)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(async () => {
    await reg?.close();
  });

  it('reads stay anonymous; a token without pull reads no less than no token; writes need push', async () => {
    const admin = client(reg);
    await admin.pushImage('team/app', 'v1', 'public');
    const res = await admin.request('POST', '/docket/v1/tokens', {
      body: JSON.stringify({ name: 'deleter', scopes: ['delete:other/*'] }),
    });
    const deleter = client({ ...reg, token: ((await res.json()) as CreatedToken).token });
    expect(
      (await admin.request('GET', '/v2/team/app/manifests/v1', { anonymous: true })).status,
    ).toBe(200);
    expect((await deleter.request('GET', '/v2/team/app/manifests/v1')).status).toBe(200);
    await expectError(await deleter.request('DELETE', '/v2/team/app/manifests/v1'), 403, 'DENIED');
    await expectError(await deleter.request('POST', '/v2/team/app/blobs/uploads/'), 403, 'DENIED');
    await expectError(
      await admin.request('POST', '/v2/team/app/blobs/uploads/', { anonymous: true }),
      401,
      'UNAUTHORIZED',
    );
  });
});
