import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GcResult } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client } from './http.js';
import {
  ageEverything,
  configOf,
  layerBytes,
  type PushedImage,
  pushLikeDocker,
  runGc,
} from './lifecycle-images.js';

describe('gc while pushes run', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeEach(async () => {
    reg = await startTestRegistry({ trackerUrls: ['http://127.0.0.1:1/announce'] });
    api = client(reg);
  });
  afterEach(() => reg?.close());

  const gc = (query = ''): Promise<GcResult> => runGc(api, query);

  /** Every blob of the image is served and hashes to its digest; the tag resolves to it. */
  const expectComplete = async (name: string, image: PushedImage) => {
    const res = await api.request('GET', `/v2/${name}/manifests/v1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Docker-Content-Digest')).toBe(image.digest);
    for (const digest of [image.config, ...image.layers]) {
      const blob = await api.request('GET', `/v2/${name}/blobs/${digest}`);
      expect(blob.status).toBe(200);
      expect(sha256Digest(Buffer.from(await blob.arrayBuffer()))).toBe(digest);
    }
  };

  /** Runs gc back to back (at most 500 times) until `work` settles. */
  const gcDuring = async <T>(work: Promise<T>, query = '') => {
    let settled = false;
    const guarded = work.finally(() => {
      settled = true;
    });
    const runs: GcResult[] = [];
    for (let i = 0; i < 500 && !settled; i++) runs.push(await gc(query));
    return { results: await guarded, runs };
  };

  it('loses nothing pushed, and sweeps what was deleted long ago', async () => {
    const shared = layerBytes('shared', 20_000);
    const oldOnly = layerBytes('old only', 20_000);
    const old = await pushLikeDocker(api, 'team/old', 'v1', configOf('old'), [shared, oldOnly]);
    const kept = await pushLikeDocker(api, 'team/kept', 'v1', configOf('kept'), [shared]);
    expect((await api.request('DELETE', '/v2/team/old/manifests/v1')).status).toBe(202);
    await ageEverything(reg);

    // Odd pushes reuse the deleted image's layer when a HEAD finds it, as docker push does.
    const names = Array.from({ length: 6 }, (_, i) => `team/p${i}`);
    const { results, runs } = await gcDuring(
      Promise.all(
        names.map((name, i) =>
          pushLikeDocker(api, name, 'v1', configOf(name), [
            shared,
            i % 2 === 1 ? oldOnly : layerBytes(`${name} own`, 40_000),
            layerBytes(`${name} top`, 10_000),
          ]),
        ),
      ),
    );
    expect(runs.length).toBeGreaterThan(0);
    for (const [i, r] of results.entries()) {
      expect(r.status, r.body).toBe(201);
      await expectComplete(names[i]!, r.image);
    }
    await expectComplete('team/kept', kept.image);
    const swept = runs.flatMap((r) => r.manifests);
    expect(swept).toContain(old.image.digest);
    expect(runs.flatMap((r) => r.blobs.map((b) => b.digest))).toContain(old.image.config);
    // Nothing any pushed image names was ever swept.
    const named = new Set<string>(results.flatMap((r) => [r.image.config, ...r.image.layers]));
    const sweptBlobs = runs.flatMap((r) => r.blobs.map((b) => b.digest));
    expect(sweptBlobs.filter((d) => named.has(d) && d !== sha256Digest(oldOnly))).toEqual([]);
  });

  it('with no grace period, never records a manifest whose blobs were swept', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `team/z${i}`);
    const { results } = await gcDuring(
      Promise.all(
        names.map((name) =>
          pushLikeDocker(api, name, 'v1', configOf(name), [layerBytes(name, 30_000)]),
        ),
      ),
      '?graceSeconds=0&force=1',
    );
    for (const [i, r] of results.entries()) {
      // Without a grace period a blob may go before its manifest comes: the put then
      // fails cleanly; when it succeeds, the image is whole.
      if (r.status === 201) await expectComplete(names[i]!, r.image);
      else expect(JSON.parse(r.body).errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');
    }
  });
});
