import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client, expectError } from './http.js';

describe('manifests, tags and the catalog', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    reg = await startTestRegistry();
    api = client(reg);
  });
  afterAll(() => reg?.close());

  it('stores the exact bytes and media type, by tag and by digest', async () => {
    const { manifest, digest } = await api.pushImage(
      'reg/app',
      'v1',
      'one',
      MediaType.dockerManifest,
    );
    expect(digest).toBe(sha256Digest(manifest));
    for (const ref of ['v1', digest]) {
      const res = await api.request('GET', `/v2/reg/app/manifests/${ref}`, {
        headers: { Accept: `${MediaType.dockerManifest}, ${MediaType.ociManifest}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toBe(MediaType.dockerManifest);
      expect(res.headers.get('Docker-Content-Digest')).toBe(digest);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(manifest);
    }
    const head = await api.request('HEAD', '/v2/reg/app/manifests/v1');
    expect(head.headers.get('Content-Length')).toBe(String(manifest.length));
    await expectError(await api.request('GET', '/v2/reg/other/manifests/v1'), 404, 'NAME_UNKNOWN');
    await expectError(
      await api.request('GET', '/v2/reg/app/manifests/v9'),
      404,
      'MANIFEST_UNKNOWN',
    );
  });

  it('refuses invalid manifests and references', async () => {
    const missing = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: sha256Digest('no config'), size: 9 },
        layers: [],
      }),
    );
    const put = (ref: string, body: Buffer | string, type: string = MediaType.ociManifest) =>
      api.request('PUT', `/v2/reg/bad/manifests/${ref}`, {
        body,
        headers: { 'Content-Type': type },
      });
    await expectError(await put('v1', missing), 400, 'MANIFEST_BLOB_UNKNOWN');
    await expectError(await put('v1', '{not json'), 400, 'MANIFEST_INVALID');
    await expectError(await put('v1', '{"schemaVersion":1}'), 400, 'MANIFEST_INVALID');
    await expectError(await put('-bad-tag', missing), 400, 'TAG_INVALID');
    await expectError(await put(sha256Digest('other'), missing), 400, 'DIGEST_INVALID');
    await expectError(
      await api.request('PUT', '/v2/reg/bad/manifests/v1', { body: missing, anonymous: true }),
      401,
      'UNAUTHORIZED',
    );
    await expectError(await api.request('GET', '/v2/reg/bad/tags/list'), 404, 'NAME_UNKNOWN');
  });

  it('pushes an OCI index whose images exist and negotiates on Accept', async () => {
    const amd = await api.pushImage('reg/multi', 'amd64', 'amd');
    const arm = await api.pushImage('reg/multi', 'arm64', 'arm');
    const index = (digests: string[]) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: digests.map((digest, i) => ({
            mediaType: MediaType.ociManifest,
            digest,
            size: i === 0 ? amd.manifest.length : arm.manifest.length,
            platform: { os: 'linux', architecture: i === 0 ? 'arm64' : 'amd64' },
          })),
        }),
      );
    const unknown = await api.request('PUT', '/v2/reg/multi/manifests/all', {
      body: index([arm.digest, sha256Digest('no such manifest')]),
      headers: { 'Content-Type': MediaType.ociIndex },
    });
    await expectError(unknown, 400, 'MANIFEST_BLOB_UNKNOWN');
    const body = index([arm.digest, amd.digest]);
    const digest = await api.pushManifest('reg/multi', 'all', body, MediaType.ociIndex);
    const get = (accept: string) =>
      api.request('GET', '/v2/reg/multi/manifests/all', { headers: { Accept: accept } });
    const asIndex = await get(`${MediaType.ociIndex}, ${MediaType.ociManifest}`);
    expect(asIndex.headers.get('Docker-Content-Digest')).toBe(digest);
    expect(Buffer.from(await asIndex.arrayBuffer())).toEqual(body);
    const asImage = await get(MediaType.ociManifest);
    expect(asImage.headers.get('Content-Type')).toBe(MediaType.ociManifest);
    expect(asImage.headers.get('Docker-Content-Digest')).toBe(amd.digest);
    await expectError(await get('text/plain'), 404, 'MANIFEST_UNKNOWN');
  });

  it('lists tags and repositories in pages with a Link header', async () => {
    for (const tag of ['t1', 't2', 't3', 't4', 't5'])
      await api.pushImage('reg/paged', tag, `p-${tag}`);
    const seen: string[] = [];
    let path: string | undefined = '/v2/reg/paged/tags/list?n=2';
    for (let i = 0; path && i < 10; i++) {
      const res: Response = await api.request('GET', path);
      const body = (await res.json()) as { name: string; tags: string[] };
      expect(body.name).toBe('reg/paged');
      expect(body.tags.length).toBeLessThanOrEqual(2);
      seen.push(...body.tags);
      path = /<([^>]+)>; rel="next"/.exec(res.headers.get('Link') ?? '')?.[1];
    }
    expect(seen).toEqual(['t1', 't2', 't3', 't4', 't5']);
    const first = await api.request('GET', '/v2/_catalog?n=1');
    expect(((await first.json()) as { repositories: string[] }).repositories).toEqual(['reg/app']);
    expect(first.headers.get('Link')).toBe('</v2/_catalog?n=1&last=reg%2Fapp>; rel="next"');
    const rest = await api.request('GET', '/v2/_catalog?last=reg/app');
    expect(((await rest.json()) as { repositories: string[] }).repositories).toEqual([
      'reg/multi',
      'reg/paged',
    ]);
  });

  it('deletes by tag and by digest', async () => {
    const { digest, manifest } = await api.pushImage('reg/del', 'gone', 'del');
    await api.pushManifest('reg/del', 'kept', manifest, MediaType.ociManifest);
    expect((await api.request('DELETE', '/v2/reg/del/manifests/gone')).status).toBe(202);
    await expectError(
      await api.request('GET', '/v2/reg/del/manifests/gone'),
      404,
      'MANIFEST_UNKNOWN',
    );
    expect((await api.request('GET', '/v2/reg/del/manifests/kept')).status).toBe(200);
    expect((await api.request('DELETE', `/v2/reg/del/manifests/${digest}`)).status).toBe(202);
    const byDigest = await api.request('GET', `/v2/reg/del/manifests/${digest}`);
    await expectError(byDigest, 404, 'MANIFEST_UNKNOWN');
    // The digest took its tags with it, and the repository now holds nothing.
    await expectError(await api.request('GET', '/v2/reg/del/manifests/kept'), 404, 'NAME_UNKNOWN');
  });
});
