import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GcResult, ImageList, RollbackResult, TagHistory } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import { announceOnce } from '../../helpers/announce.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client, expectError } from './http.js';
import {
  ageEverything,
  blobBytesOnDisk,
  configOf,
  layerBytes,
  pushLikeDocker,
  runGc,
} from './lifecycle-images.js';

describe('delete, gc, history and rollback', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeEach(async () => {
    reg = await startTestRegistry({ trackerUrls: ['http://127.0.0.1:1/announce'] });
    api = client(reg);
  });
  afterEach(() => reg?.close());

  const gc = (query = ''): Promise<GcResult> => runGc(api, query);

  it('deletes a tag (its history stays) and frees exactly the unshared blobs', async () => {
    const base = layerBytes('base', 40_000);
    const own = layerBytes('own', 30_000);
    const other = layerBytes('other', 20_000);
    const a = await pushLikeDocker(api, 'team/a', 'v1', configOf('a'), [base, own]);
    const b = await pushLikeDocker(api, 'team/b', 'v1', configOf('b'), [base, other]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const hashes = async () =>
      (
        (await (await api.request('GET', '/docket/v1/infohashes')).json()) as {
          infoHashes: string[];
        }
      ).infoHashes.length;
    expect(await hashes()).toBe(5);

    expect((await api.request('DELETE', '/v2/team/a/manifests/v1')).status).toBe(202);
    await expectError(await api.request('GET', '/v2/team/a/manifests/v1'), 404, 'MANIFEST_UNKNOWN');
    const history = (await (
      await api.request('GET', '/docket/v1/images/team/a/v1/history')
    ).json()) as TagHistory;
    expect(history.history.map((h) => h.action)).toEqual(['delete', 'push']);
    expect(history.history[1]?.size).toBe(configOf('a').length + base.length + own.length);

    // Held but untagged, then swept: only a's manifest, config and own layer.
    const all = (await (await api.request('GET', '/docket/v1/images?all=1')).json()) as ImageList;
    expect(all.untagged?.map((u) => u.digest)).toEqual([a.image.digest]);
    const freed = configOf('a').length + own.length;
    const before = blobBytesOnDisk(reg);
    const dry = await gc('?dryRun=1&graceSeconds=0');
    expect(dry.bytesFreed).toBe(freed);
    expect(dry.manifests).toEqual([a.image.digest]);
    expect(blobBytesOnDisk(reg)).toBe(before);
    const swept = await gc('?graceSeconds=0&force=1');
    expect(swept.blobs.map((x) => x.digest).sort()).toEqual(
      [a.image.config, sha256Digest(own)].sort(),
    );
    expect(before - blobBytesOnDisk(reg)).toBe(freed);
    expect(await hashes()).toBe(3);
    await expectError(
      await api.request('GET', `/v2/team/a/blobs/${sha256Digest(own)}`),
      404,
      'BLOB_UNKNOWN',
    );
    for (const d of [b.image.config, ...b.image.layers])
      expect((await api.request('GET', `/v2/team/b/blobs/${d}`)).status).toBe(200);
    expect((await gc('?graceSeconds=0&force=1')).bytesFreed).toBe(0);
  });

  it('keeps what the grace period covers, and what a push just checked with HEAD', async () => {
    const layer = layerBytes('reused', 10_000);
    const first = await pushLikeDocker(api, 'team/app', 'v1', configOf('1'), [layer]);
    expect(
      (await api.request('DELETE', `/v2/team/app/manifests/${first.image.digest}`)).status,
    ).toBe(202);
    expect((await gc()).bytesFreed).toBe(0);
    await ageEverything(reg);
    // A push finds the layer stored (HEAD), so it will not upload it: gc must keep it.
    expect((await api.request('HEAD', `/v2/team/app/blobs/${sha256Digest(layer)}`)).status).toBe(
      200,
    );
    const swept = await gc();
    expect(swept.manifests).toEqual([first.image.digest]);
    expect(swept.blobs.map((b) => b.digest)).toEqual([first.image.config]);
    const second = await pushLikeDocker(api, 'team/app', 'v2', configOf('2'), [layer]);
    expect(second.status, second.body).toBe(201);
  });

  it('refuses DELETE of a blob a manifest names, deletes an unnamed one', async () => {
    const layer = layerBytes('named', 1000);
    const pushed = await pushLikeDocker(api, 'team/blob', 'v1', configOf('x'), [layer]);
    await expectError(
      await api.request('DELETE', `/v2/team/blob/blobs/${pushed.image.layers[0]}`),
      405,
      'UNSUPPORTED',
    );
    const loose = await api.pushBlob('team/blob', Buffer.from('loose blob'));
    expect((await api.request('DELETE', `/v2/team/blob/blobs/${loose}`)).status).toBe(202);
    await expectError(
      await api.request('GET', `/v2/team/blob/blobs/${loose}`),
      404,
      'BLOB_UNKNOWN',
    );
    await expectError(
      await api.request('DELETE', `/v2/team/blob/blobs/${loose}`),
      404,
      'BLOB_UNKNOWN',
    );
    const anonymous = await api.request('DELETE', `/v2/team/blob/blobs/${loose}`, {
      anonymous: true,
    });
    expect(anonymous.status).toBe(401);
  });

  it('rolls a tag back by steps or to a digest, recording each rollback', async () => {
    const push = async (n: string) =>
      (await pushLikeDocker(api, 'team/roll', 'v1', configOf(n), [layerBytes(n, 100)])).image;
    const one = await push('1');
    const two = await push('2');
    const three = await push('3');
    const rollback = async (query: string) => {
      const res = await api.request('POST', `/docket/v1/images/team/roll/v1/rollback${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as RollbackResult;
    };
    expect(await rollback('')).toMatchObject({ from: three.digest, to: two.digest });
    expect(await rollback(`?to=${one.digest}`)).toMatchObject({ from: two.digest, to: one.digest });
    const res = await api.request('GET', '/v2/team/roll/manifests/v1');
    expect(res.headers.get('Docker-Content-Digest')).toBe(one.digest);
    const history = (await (
      await api.request('GET', '/docket/v1/images/team/roll/v1/history')
    ).json()) as TagHistory;
    expect(history.history.map((h) => [h.action, h.digest])).toEqual([
      ['rollback', one.digest],
      ['rollback', two.digest],
      ['push', three.digest],
      ['push', two.digest],
      ['push', one.digest],
    ]);
    expect(history.history[0]?.pushedBy).toBe('admin');
    await expectError(
      await api.request('POST', '/docket/v1/images/team/roll/v1/rollback?steps=9'),
      404,
      'MANIFEST_UNKNOWN',
    );
    await expectError(
      await api.request('POST', '/docket/v1/images/team/roll/v1/rollback?steps=0'),
      400,
      'PARAMETER_INVALID',
    );
  });

  it('rolls back to the start of a digest from the history; says what is wrong when it cannot', async () => {
    const push = async (n: string) =>
      (await pushLikeDocker(api, 'team/prefix', 'v1', configOf(n), [layerBytes(n, 100)])).image;
    const one = await push('p1');
    const two = await push('p2');
    const short = one.digest.slice('sha256:'.length, 'sha256:'.length + 12);
    const res = await api.request('POST', `/docket/v1/images/team/prefix/v1/rollback?to=${short}`);
    expect(res.status).toBe(200);
    expect((await res.json()) as RollbackResult).toMatchObject({
      from: two.digest,
      to: one.digest,
    });
    const message = async (query: string, status: number, code: string) => {
      const r = await api.request('POST', `/docket/v1/images/team/prefix/v1/rollback${query}`);
      const body = (await r.json()) as { errors: { code: string; message: string }[] };
      expect([r.status, body.errors[0]?.code]).toEqual([status, code]);
      return body.errors[0]!.message;
    };
    expect(await message('?steps=9', 404, 'MANIFEST_UNKNOWN')).toBe(
      'team/prefix:v1 has 2 earlier moves: 9 back goes past the oldest (`docket history team/prefix:v1` lists them)',
    );
    const absent = one.digest.startsWith('sha256:f') ? 'e' : 'f';
    expect(await message(`?to=${absent}`, 404, 'MANIFEST_UNKNOWN')).toContain(
      `no manifest in the history of team/prefix:v1 starts with ${absent}`,
    );
    expect(await message('?to=xyz', 400, 'DIGEST_INVALID')).toContain('"xyz" is not a digest');
    // Every digest starts with the empty hex prefix of sha256: (both manifests).
    expect(await message('?to=sha256:', 400, 'DIGEST_INVALID')).toContain('is not a digest');
  });

  it('gc names what the grace period keeps', async () => {
    const reg = await startTestRegistry();
    try {
      const gcApi = client(reg);
      const config = configOf('g');
      await pushLikeDocker(gcApi, 'team/graced', 'v1', config, [layerBytes('g', 3000)]);
      const del = await gcApi.request('DELETE', '/v2/team/graced/manifests/v1');
      expect(del.status).toBe(202);
      const graced = await runGc(gcApi, '?dryRun=1');
      expect(graced.bytesFreed).toBe(0);
      expect(graced.graceSeconds).toBeGreaterThan(0);
      expect(graced.keptByGrace).toEqual({ manifests: 1, blobs: 2, bytes: 3000 + config.length });
      const now = await runGc(gcApi, '?dryRun=1&graceSeconds=0');
      expect(now.keptByGrace).toEqual({ manifests: 0, blobs: 0, bytes: 0 });
      expect(now.bytesFreed).toBe(3000 + config.length);
    } finally {
      await reg.close();
    }
  });
});

describe('gc and the swarm', () => {
  it('stops seeding a swept blob; the embedded tracker refuses its infohash', async () => {
    const reg = await startTestRegistry();
    try {
      const api = client(reg);
      const layer = layerBytes('seeded', 50_000);
      const pushed = await pushLikeDocker(api, 'team/seed', 'v1', configOf('s'), [layer]);
      const digest = pushed.image.layers[0]!;
      const torrent = await api.request('GET', `/docket/v1/blobs/${digest}/torrent`);
      expect(torrent.status).toBe(200);
      const infoHash = (
        (await (await api.request('GET', '/docket/v1/infohashes')).json()) as {
          infoHashes: string[];
        }
      ).infoHashes;
      const active = async () => {
        const text = await (await api.request('GET', '/metrics')).text();
        return Number(/^docket_seeder_active_torrents (\d+)$/m.exec(text)?.[1]);
      };
      expect(await active()).toBe(1);
      const announce = `${reg.url}/announce`;
      const before = await Promise.all(infoHash.map((h) => announceOnce(announce, h)));
      expect(before.filter((r) => r.includes('failure reason'))).toEqual([]);

      expect((await api.request('DELETE', '/v2/team/seed/manifests/v1')).status).toBe(202);
      const swept = (await (
        await api.request('POST', '/docket/v1/gc?graceSeconds=0&force=1')
      ).json()) as GcResult;
      expect(swept.blobs.map((b) => b.digest)).toContain(digest);
      expect(await active()).toBe(0);
      const after = await Promise.all(infoHash.map((h) => announceOnce(announce, h)));
      expect(after.every((r) => r.includes('failure reason'))).toBe(true);
    } finally {
      await reg.close();
    }
  });
});

describe('scheduled gc', () => {
  it('sweeps on the registry’s own schedule', async () => {
    const reg = await startTestRegistry({ gcIntervalSeconds: 0.2, gcGraceSeconds: 0 });
    try {
      const api = client(reg);
      const loose = await api.pushBlob('team/sched', Buffer.from('nobody names me'));
      const deadline = Date.now() + 20_000;
      let status = 200;
      for (let i = 0; i < 400 && status === 200 && Date.now() < deadline; i++) {
        status = (await api.request('HEAD', `/v2/team/sched/blobs/${loose}`)).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(404);
    } finally {
      await reg.close();
    }
  });
});
