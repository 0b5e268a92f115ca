import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import parseTorrent from 'parse-torrent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedToken, TokenInfo } from '../../../lib/api/index.js';
import { MediaType } from '../../../lib/media-types.js';
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

  it('a pull:team/* token reads no blob or manifest of another repository by digest', async () => {
    const theirs = await admin.pushImage('other/secret', 'v1', 'their layer');
    const { digest: layer } = JSON.parse(theirs.manifest.toString()).layers[0] as {
      digest: string;
    };
    const ours = await admin.pushImage('team/app', 'v2', 'our layer');
    const { digest: ourLayer } = JSON.parse(ours.manifest.toString()).layers[0] as {
      digest: string;
    };
    const team = as((await create('by-digest', ['pull:team/*'])).token);
    for (const method of ['GET', 'HEAD']) {
      // Through their repository: no scope.
      const denied = await team.request(method, `/v2/other/secret/blobs/${layer}`);
      expect(denied.status).toBe(403);
      if (method === 'GET') await expectError(denied, 403, 'DENIED');
      expect(
        (await team.request(method, `/v2/other/secret/manifests/${theirs.digest}`)).status,
      ).toBe(403);
      // Through a repository the token may pull that does not hold it: unknown there.
      const unknown = await team.request(method, `/v2/team/app/blobs/${layer}`);
      expect(unknown.status).toBe(404);
      if (method === 'GET') await expectError(unknown, 404, 'BLOB_UNKNOWN');
      expect((await team.request(method, `/v2/team/app/manifests/${theirs.digest}`)).status).toBe(
        404,
      );
      // Docket's own blob routes.
      await expectError(await team.request('GET', `/docket/v1/blobs/${layer}`), 403, 'DENIED');
      expect((await team.request('HEAD', `/docket/v1/blobs/${layer}`)).status).toBe(403);
      await expectError(
        await team.request('GET', `/docket/v1/blobs/${layer}/torrent`),
        403,
        'DENIED',
      );
      // Its own blobs as before.
      expect((await team.request(method, `/v2/team/app/blobs/${ourLayer}`)).status).toBe(200);
      expect((await team.request(method, `/docket/v1/blobs/${ourLayer}`)).status).toBe(200);
    }
    // Nor finds it by diff_id to reuse it.
    await expectError(
      await team.request('GET', `/docket/v1/layers/${theirs.diffId}`),
      404,
      'BLOB_UNKNOWN',
    );
    expect((await team.request('GET', `/docket/v1/layers/${ours.diffId}`)).status).toBe(200);
    // Anonymous: 401 with a challenge naming the scope.
    const anon = await team.request('GET', `/v2/other/secret/blobs/${layer}`, { anonymous: true });
    await expectError(anon, 401, 'UNAUTHORIZED');
    expect(anon.headers.get('WWW-Authenticate')).toBe(
      `Bearer realm="${reg.url}/v2/token",service="docket",scope="repository:other/secret:pull"`,
    );
    // Admin and pull:** read everything, through a repository holding the blob: under
    // /v2/<name>/ a blob <name> does not hold is unknown to every token (Distribution).
    const everything = as((await create('reads-all', ['pull:**'])).token);
    for (const api of [admin, everything]) {
      expect((await api.request('GET', `/v2/other/secret/blobs/${layer}`)).status).toBe(200);
      await expectError(
        await api.request('GET', `/v2/team/app/blobs/${layer}`),
        404,
        'BLOB_UNKNOWN',
      );
      expect((await api.request('GET', `/docket/v1/blobs/${layer}`)).status).toBe(200);
      expect((await api.request('GET', `/docket/v1/blobs/${layer}/torrent`)).status).toBe(200);
    }
  });

  it('a scoped token’s passkey announces only torrents of blobs it may read', async () => {
    const theirs = await admin.pushImage('other/announced', 'v1', 'their announced layer');
    const { digest: layer } = JSON.parse(theirs.manifest.toString()).layers[0] as {
      digest: string;
    };
    const ours = await admin.pushImage('team/announced', 'v1', 'our announced layer');
    const { digest: ourLayer } = JSON.parse(ours.manifest.toString()).layers[0] as {
      digest: string;
    };
    const team = await create('announcer', ['pull:team/*']);
    const mine = await torrentFor(team.token, ourLayer);
    expect(refused(await announceOnce(mine.announce, mine.infoHash))).toBe(false);
    // The same passkey, announced for a torrent of their blob (its infohash from the admin).
    const their = await torrentFor(reg.token, layer);
    expect(refused(await announceOnce(mine.announce, their.infoHash))).toBe(true);
  });

  it('a mount only from a repository holding the blob, else an ordinary upload', async () => {
    const theirs = await admin.pushImage('other/mounted', 'v1', 'their mounted layer');
    const { digest: layer } = JSON.parse(theirs.manifest.toString()).layers[0] as {
      digest: string;
    };
    await admin.pushImage('team/base', 'v1', 'team base layer');
    const pusher = as((await create('mounter', ['push:team/*'])).token);
    const res = await pusher.request(
      'POST',
      `/v2/team/app/blobs/uploads/?mount=${layer}&from=team/base`,
    );
    expect(res.status).toBe(202);
  });

  it('a push token cannot name another repository’s blob in a manifest of its own (400 MANIFEST_BLOB_UNKNOWN), nor read it through its repository afterwards', async () => {
    const theirs = await admin.pushImage('other/private', 'v1', 'their private layer');
    const { config, layers } = JSON.parse(theirs.manifest.toString()) as {
      config: { digest: string; size: number };
      layers: { digest: string; size: number }[];
    };
    const layer = layers[0]!.digest;
    const pusher = as((await create('digest-knower', ['push:team/*'])).token);
    // Our own config, uploaded to team/app; their layer, known by digest only.
    const ourConfig = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
    const manifest = (configDigest: string, configSize: number) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configSize },
          layers: [{ mediaType: MediaType.ociLayerGzip, digest: layer, size: layers[0]!.size }],
        }),
      );
    const put = (ref: string, body: Buffer) =>
      pusher.request('PUT', `/v2/team/app/manifests/${ref}`, {
        body,
        headers: { 'Content-Type': MediaType.ociManifest },
      });
    const mine = await pusher.pushBlob('team/app', ourConfig);
    const refused = await put('stolen', manifest(mine, ourConfig.length));
    await expectError(refused, 400, 'MANIFEST_BLOB_UNKNOWN');
    // The envelope names the digest, as for a blob never stored.
    const sent = (await (await put('stolen', manifest(mine, ourConfig.length))).json()) as {
      errors: { code: string; detail: { digest: string } }[];
    };
    expect(sent.errors[0]!.detail.digest).toBe(layer);
    // Their config by digest alone is refused alike, and so is their whole manifest.
    await expectError(
      await put('stolen', manifest(config.digest, config.size)),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    await expectError(await put(theirs.digest, theirs.manifest), 400, 'MANIFEST_BLOB_UNKNOWN');
    // Nothing was recorded: the blob stays unreadable through team/app.
    expect((await pusher.request('GET', '/v2/team/app/manifests/stolen')).status).toBe(404);
    await expectError(
      await pusher.request('GET', `/v2/team/app/blobs/${layer}`),
      404,
      'BLOB_UNKNOWN',
    );
    expect((await pusher.request('HEAD', `/v2/team/app/blobs/${layer}`)).status).toBe(404);
    await expectError(await pusher.request('GET', `/docket/v1/blobs/${layer}`), 403, 'DENIED');
    // An index in team/app may name only manifests of team/app.
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          { mediaType: MediaType.ociManifest, digest: theirs.digest, size: theirs.manifest.length },
        ],
      }),
    );
    await expectError(
      await pusher.request('PUT', '/v2/team/app/manifests/all', {
        body: index,
        headers: { 'Content-Type': MediaType.ociIndex },
      }),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    await expectError(
      await pusher.request('GET', `/v2/team/app/blobs/${layer}`),
      404,
      'BLOB_UNKNOWN',
    );
  });

  it('/v2/token answers a short-lived access token narrowed to the granted scope', async () => {
    const pusher = await create('login-push', ['push:team/*']);
    const basic = `Basic ${Buffer.from(`me:${pusher.token}`).toString('base64')}`;
    const ask = async (...scopes: string[]) => {
      const query = scopes.map((s) => `&scope=${encodeURIComponent(s)}`).join('');
      const res = await fetch(`${reg.url}/v2/token?service=docket${query}`, {
        headers: { Authorization: basic },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as {
        token: string;
        access_token: string;
        expires_in: number;
        access: { name: string; actions: string[] }[];
      };
    };
    const pullOnly = await ask('repository:team/app:pull');
    expect(pullOnly.token).not.toBe(pusher.token);
    expect(pullOnly.access_token).toBe(pullOnly.token);
    expect(pullOnly.expires_in).toBe(300);
    const bearer = (t: string) => ({ headers: { Authorization: `Bearer ${t}` } });
    expect((await as(pullOnly.token).request('GET', '/v2/team/app/manifests/v2')).status).toBe(200);
    // Not granted, though its docket token holds it: 401 naming the scope to ask for.
    const upload = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      ...bearer(pullOnly.token),
    });
    await expectError(upload, 401, 'UNAUTHORIZED');
    expect(upload.headers.get('WWW-Authenticate')).toBe(
      `Bearer realm="${reg.url}/v2/token",service="docket",scope="repository:team/app:pull,push",error="insufficient_scope"`,
    );
    // Another repository of the same pattern was not asked for.
    await expectError(
      await as(pullOnly.token).request('GET', '/v2/team/other/tags/list'),
      401,
      'UNAUTHORIZED',
    );
    // Held nowhere: 403, whatever the token endpoint is asked.
    const other = await ask('repository:other/app:pull,push', 'repository:team/app:pull,push');
    expect(other.access).toEqual([
      { type: 'repository', name: 'other/app', actions: [] },
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    ]);
    await expectError(
      await as(other.token).request('GET', '/v2/other/app/manifests/v1'),
      403,
      'DENIED',
    );
    const session = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      ...bearer(other.token),
    });
    expect(session.status).toBe(202);
    // Tampered with: refused.
    const forged = `${other.token.slice(0, -2)}xx`;
    await expectError(
      await as(forged).request('GET', '/v2/team/app/tags/list'),
      401,
      'UNAUTHORIZED',
    );
    // Revoking the docket token ends its access tokens at once.
    expect((await admin.request('DELETE', '/docket/v1/tokens/login-push')).status).toBe(204);
    await expectError(
      await as(other.token).request('GET', '/v2/team/app/tags/list'),
      401,
      'UNAUTHORIZED',
    );
  });

  it('/docket/v1/whoami names the token a request carries and its scopes', async () => {
    const made = await create('who', ['pull:team/*', 'delete:team/app']);
    const res = await as(made.token).request('GET', '/docket/v1/whoami');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'who', scopes: ['pull:team/*', 'delete:team/app'] });
    await expectError(
      await admin.request('GET', '/docket/v1/whoami', { anonymous: true }),
      401,
      'UNAUTHORIZED',
    );
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
