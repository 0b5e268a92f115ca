import bencode from 'bencode';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Digest, sha256Digest } from '../../../lib/digest.js';
import { buildImageManifest } from '../../../lib/manifest/index.js';
import { MediaType } from '../../../lib/media-types.js';
import { buildTar, fixtureConfig, fixtureLayer, legacyEntries } from '../../helpers/archives.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client, expectError, leftovers } from './http.js';

describe('docket API, persistence and auth', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    reg = await startTestRegistry({ trackerUrls: ['http://127.0.0.1:1/announce'] });
    api = client(reg);
  });
  const ownedDirs: string[] = [];
  afterAll(async () => {
    await reg?.close();
    for (const d of ownedDirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps every push of a tag in its history', async () => {
    const first = await api.pushImage('reg/hist', 'v1', 'first');
    const second = await api.pushImage('reg/hist', 'v1', 'second');
    const res = await api.request('GET', '/docket/v1/images/reg/hist/v1/history');
    const body = (await res.json()) as { history: { digest: string; pushedBy: string }[] };
    expect(body.history.map((h) => h.digest)).toEqual([second.digest, first.digest]);
    expect(body.history[0]?.pushedBy).toBe('admin');
    await expectError(
      await api.request('GET', '/docket/v1/images/reg/hist/v9/history'),
      404,
      'NAME_UNKNOWN',
    );
  });

  it('finds a stored layer by diff_id, serves its .torrent and lists it', async () => {
    const { layer, diffId } = await api.pushImage('reg/layers', 'v1', 'layer content');
    const found = await api.request('GET', `/docket/v1/layers/${diffId}`);
    expect(await found.json()).toMatchObject({ digest: sha256Digest(layer), size: layer.length });
    await expectError(
      await api.request('GET', `/docket/v1/layers/${sha256Digest('none')}`),
      404,
      'BLOB_UNKNOWN',
    );
    const res = await api.request('GET', `/docket/v1/blobs/${sha256Digest(layer)}/torrent`);
    expect(res.headers.get('Content-Type')).toBe('application/x-bittorrent');
    const torrent = Buffer.from(await res.arrayBuffer());
    const decoded = bencode.decode(torrent) as { info: unknown; 'announce-list': Uint8Array[][] };
    const infoHash = createHash('sha1').update(bencode.encode(decoded.info)).digest('hex');
    const announce = decoded['announce-list'].map(([u]) => Buffer.from(u!).toString());
    expect(announce).toEqual([`${reg.url}/announce`, 'http://127.0.0.1:1/announce']);
    const hashes = (await (await api.request('GET', '/docket/v1/infohashes')).json()) as {
      infoHashes: string[];
    };
    expect(hashes.infoHashes).toContain(infoHash);
    const list = (await (await api.request('GET', '/docket/v1/images')).json()) as {
      images: { repository: string; created: string; size: number; layers: { magnet: string }[] }[];
    };
    const image = list.images.find((i) => i.repository === 'reg/layers');
    expect(image?.created).toBe('2024-05-06T07:08:09Z');
    expect(image?.layers[0]?.magnet).toContain(`xt=urn:btih:${infoHash}`);
    await expectError(
      await api.request('GET', `/docket/v1/blobs/${sha256Digest('x')}/torrent`),
      404,
      'TORRENT_UNKNOWN',
    );
  });

  it('indexes a layer under the diff_id it really has, never the one a config claims', async () => {
    const victimTar = 'victim layer: the real bytes';
    const victimDiffId = sha256Digest(Buffer.from(victimTar));
    // The attacker's config says its own layer is the victim's.
    const evil = await api.pushImage(
      'evil/app',
      '1',
      'evil layer',
      MediaType.ociManifest,
      victimDiffId,
    );
    await expectError(
      await api.request('GET', `/docket/v1/layers/${victimDiffId}`),
      404,
      'BLOB_UNKNOWN',
    );
    // Nor is the evil layer indexed under its own diff_id by that lie.
    await expectError(
      await api.request('GET', `/docket/v1/layers/${evil.diffId}`),
      404,
      'BLOB_UNKNOWN',
    );
    // The genuine push of the victim's layer is what the diff_id leads to.
    const genuine = await api.pushImage('victim/app', '1', victimTar);
    const found = await api.request('GET', `/docket/v1/layers/${victimDiffId}`);
    expect(found.status).toBe(200);
    expect(((await found.json()) as { digest: string }).digest).toBe(sha256Digest(genuine.layer));
  });

  it('imports a tarball into the schema2 manifest a docket push builds', async () => {
    const plain = await fixtureLayer({ 'a.txt': 'imported plain' });
    const gzipped = await fixtureLayer({ 'b.txt': 'imported gzipped' }, true);
    const archive = await buildTar(legacyEntries([plain, gzipped], ['reg/imported:v1']));
    const res = await api.request('POST', '/docket/v1/images', { body: archive });
    const body = (await res.json()) as {
      images: { manifestDigest: Digest; layers: { digest: Digest; size: number }[] }[];
    };
    expect(res.status, JSON.stringify(body)).toBe(201);
    const imported = body.images[0]!;
    expect(imported.layers[1]).toEqual({
      digest: gzipped.digest,
      size: gzipped.blob.length,
      diffId: gzipped.diffId,
    });
    const config = fixtureConfig([plain.diffId, gzipped.diffId]);
    const expected = buildImageManifest({
      config: {
        mediaType: MediaType.dockerConfig,
        digest: sha256Digest(config),
        size: config.length,
      },
      layers: imported.layers.map(({ digest, size }) => ({
        mediaType: MediaType.dockerLayerGzip,
        digest,
        size,
      })),
    });
    expect(imported.manifestDigest).toBe(sha256Digest(expected));
    const manifest = await api.request('GET', '/v2/reg/imported/manifests/v1', {
      headers: { Accept: MediaType.dockerManifest },
    });
    expect(Buffer.from(await manifest.arrayBuffer())).toEqual(expected);
  });

  it('refuses an archive that is not one, keeping nothing', async () => {
    const res = await api.request('POST', '/docket/v1/images', { body: Buffer.alloc(4096, 1) });
    await expectError(res, 400, 'ARCHIVE_INVALID');
    expect(leftovers(reg)).toEqual([]);
    const anon = await api.request('POST', '/docket/v1/images', { body: 'x', anonymous: true });
    await expectError(anon, 401, 'UNAUTHORIZED');
  });

  it('exports request, blob and swarm metrics', async () => {
    const text = await (await api.request('GET', '/metrics')).text();
    expect(text).toMatch(
      /docket_http_requests_total\{route="v2.manifest",method="PUT",status="201"\} \d+/,
    );
    expect(text).toMatch(/docket_blobs_stored [1-9]/);
    expect(text).toContain('docket_bittorrent_uploaded_bytes');
    expect(text).toContain('docket_tracker_peers');
  });

  it('keeps images, tags, history and tokens across a restart', async () => {
    // Magnet links name the registry's URL, which changes with the port: compare the rest.
    const images = async (a: ReturnType<typeof client>) => {
      const body = (await (await a.request('GET', '/docket/v1/images')).json()) as {
        images: { layers: { magnet?: string }[] }[];
      };
      return body.images.map((i) => ({ ...i, layers: i.layers.map(({ magnet: _, ...l }) => l) }));
    };
    const before = await images(api);
    expect(before.length).toBeGreaterThan(1);
    const dataDir = reg.dataDir;
    ownedDirs.push(dataDir);
    const token = reg.token;
    await reg.registry.close();
    const again = await startTestRegistry({ dataDir });
    try {
      expect(again.token).toBe(token);
      const api2 = client(again);
      expect(await images(api2)).toEqual(before);
      const hist = (await (
        await api2.request('GET', '/docket/v1/images/reg/hist/v1/history')
      ).json()) as {
        history: unknown[];
      };
      expect(hist.history).toHaveLength(2);
      expect((await api2.request('POST', '/v2/reg/x/blobs/uploads/')).status).toBe(202);
    } finally {
      await again.close();
    }
    reg = await startTestRegistry({ dataDir });
    api = client(reg);
  });

  it('protects reads with --auth-reads', async () => {
    const locked = await startTestRegistry({ authReads: true });
    try {
      const anon = await fetch(`${locked.url}/v2/_catalog`);
      await expectError(anon, 401, 'UNAUTHORIZED');
      const ok = await fetch(`${locked.url}/v2/_catalog`, {
        headers: { Authorization: `Bearer ${locked.token}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
