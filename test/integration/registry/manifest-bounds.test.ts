import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { openTestMetadata, startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client, expectError } from './http.js';

/** Issue #11 findings 3 and 6: index fan-out and depth, descriptor sizes, the Bearer realm. */
describe('manifest bounds', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    reg = await startTestRegistry();
    api = client(reg);
  });
  afterAll(() => reg?.close());

  const index = (entries: { digest: string; size: number; mediaType?: string }[]) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: entries.map((e) => ({ mediaType: MediaType.ociManifest, ...e })),
      }),
    );
  const put = (ref: string, body: Buffer, type: string = MediaType.ociIndex) =>
    api.request('PUT', `/v2/reg/fan/manifests/${ref}`, {
      body,
      headers: { 'Content-Type': type },
    });

  it('refuses an index of more than 256 entries', async () => {
    const image = await api.pushImage('reg/fan', 'image', 'fan-out');
    const entry = { digest: image.digest, size: image.manifest.length };
    const ok = await put('wide', index(Array.from({ length: 256 }, () => entry)));
    expect(ok.status, await ok.text()).toBe(201);
    await expectError(
      await put('wider', index(Array.from({ length: 257 }, () => entry))),
      400,
      'MANIFEST_INVALID',
    );
  });

  it('refuses indexes nested more than 2 deep, and lists the ones it takes', async () => {
    const image = await api.pushImage('reg/fan', 'leaf', 'nested');
    const level1 = index([{ digest: image.digest, size: image.manifest.length }]);
    const d1 = await api.pushManifest('reg/fan', 'level1', level1, MediaType.ociIndex);
    const level2 = index([{ digest: d1, size: level1.length, mediaType: MediaType.ociIndex }]);
    const d2 = await api.pushManifest('reg/fan', 'level2', level2, MediaType.ociIndex);
    const level3 = index([{ digest: d2, size: level2.length, mediaType: MediaType.ociIndex }]);
    await expectError(await put('level3', level3), 400, 'MANIFEST_INVALID');

    const listing = (await (await api.request('GET', '/docket/v1/images')).json()) as {
      images: { tag: string; layerCount: number; layers: { digest: string }[] }[];
    };
    const level2Entry = listing.images.find((i) => i.tag === 'level2');
    expect(level2Entry?.layerCount).toBe(1);
    expect(level2Entry?.layers.map((l) => l.digest)).toEqual([sha256Digest(image.layer)]);
  });

  it('lists indexes stored before the bounds within the bounds', async () => {
    const image = await api.pushImage('reg/old', 'image', 'stored before the bounds');
    const metadata = await openTestMetadata(reg.dataDir);
    const store = (tag: string, children: string[]): string => {
      const body = index(children.map((digest) => ({ digest, size: 1 })));
      const digest = sha256Digest(body);
      metadata.manifests.insert(
        'reg/old',
        { digest, mediaType: MediaType.ociIndex, content: body, configDigest: null },
        children.map((d) => ({ kind: 'manifest', digest: d })),
      );
      metadata.tags.set('reg/old', tag, digest, null);
      return digest;
    };
    try {
      const wide = store(
        'wide',
        Array.from({ length: 1000 }, () => image.digest),
      );
      store(
        'wider',
        Array.from({ length: 1000 }, () => wide),
      );
      let chain: string = image.digest;
      for (let i = 1; i <= 4; i++) chain = store(`depth${i}`, [chain]);
    } finally {
      metadata.close();
    }
    const listing = (await (await api.request('GET', '/docket/v1/images')).json()) as {
      images: { repository: string; tag: string; layerCount: number; layers: unknown[] }[];
    };
    const byTag = new Map(
      listing.images.filter((i) => i.repository === 'reg/old').map((i) => [i.tag, i]),
    );
    expect(byTag.get('wide')?.layers).toHaveLength(1);
    expect(byTag.get('wider')?.layers).toHaveLength(1);
    expect(byTag.get('depth2')?.layerCount).toBe(1);
    expect(byTag.get('depth3')?.layerCount).toBe(0);
  });

  it('refuses descriptors whose size is not the stored size', async () => {
    const image = await api.pushImage('reg/fan', 'sized', 'sized');
    const doc = JSON.parse(image.manifest.toString()) as {
      layers: { size: number }[];
      config: { size: number };
    };
    doc.layers[0]!.size += 1;
    const wrongLayer = Buffer.from(JSON.stringify(doc));
    await expectError(
      await put('wrong-layer', wrongLayer, MediaType.ociManifest),
      400,
      'MANIFEST_INVALID',
    );
    doc.layers[0]!.size -= 1;
    doc.config.size = 1;
    const wrongConfig = Buffer.from(JSON.stringify(doc));
    await expectError(
      await put('wrong-config', wrongConfig, MediaType.ociManifest),
      400,
      'MANIFEST_INVALID',
    );
    const wrongChild = index([{ digest: image.digest, size: image.manifest.length + 7 }]);
    await expectError(await put('wrong-child', wrongChild), 400, 'MANIFEST_INVALID');
  });

  it('names its own URL in the Bearer realm, whatever the Host header says', async () => {
    const challenge = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${reg.url}/v2/`, { headers: { Host: 'attacker.example' } });
      req.on('response', (res) => {
        res.resume();
        resolve(String(res.headers['www-authenticate']));
      });
      req.on('error', reject);
      req.end();
    });
    expect(challenge).toBe(`Bearer realm="${reg.url}/v2/token",service="docket"`);
  });
});
