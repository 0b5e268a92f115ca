import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapLimit } from '../../../client/services/map-limit.js';
import { type Digest, sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { randomBytes } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { within } from '../../helpers/within.js';
import { blobFiles, client, leftovers } from './http.js';

/**
 * Many clients at once against one registry: 20 pushes whose images share most of their
 * blobs (the same blob uploaded by many clients at the same moment, in chunks), then 1000
 * manifest GETs. Nothing may fail and every stored byte must hash to its digest.
 */
const PUSHES = 20;
const GETS = 1000;
const GET_CONCURRENCY = 100;
const CHUNK = 64 * 1024;

interface Blob {
  digest: Digest;
  bytes: Buffer;
}

const blob = (bytes: Buffer): Blob => ({ digest: sha256Digest(bytes), bytes });

/** Layers every image shares (bottom), layers shared by half of them, and one of its own. */
const SHARED = [0, 1, 2].map((i) => blob(randomBytes(`concurrency-shared-${i}`, 300_000 + i)));
const HALVES = [0, 1].map((i) => blob(randomBytes(`concurrency-half-${i}`, 200_000 + i)));

interface Image {
  repo: string;
  tag: string;
  blobs: Blob[];
  manifest: Buffer;
  digest: Digest;
}

function makeImage(i: number): Image {
  const own = blob(randomBytes(`concurrency-own-${i}`, 100_000 + i));
  const layers = [...SHARED, HALVES[i % 2] as Blob, own];
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.bytes.length },
      layers: layers.map((l) => ({
        mediaType: MediaType.ociLayerGzip,
        digest: l.digest,
        size: l.bytes.length,
      })),
    }),
  );
  // Four repositories: the same blob is uploaded into one repository by several clients.
  return {
    repo: `conc/app${i % 4}`,
    tag: `v${i}`,
    blobs: [config, ...layers],
    manifest,
    digest: sha256Digest(manifest),
  };
}

describe('registry under concurrent pushes and manifest GETs', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  const images = Array.from({ length: PUSHES }, (_, i) => makeImage(i));

  beforeAll(async () => {
    reg = await startTestRegistry();
    api = client(reg);
  });
  afterAll(() => reg?.close());

  /** POST, PATCH in CHUNK-sized pieces (Content-Range), PUT ?digest: a chunked upload. */
  async function upload(repo: string, b: Blob): Promise<void> {
    const started = await api.request('POST', `/v2/${repo}/blobs/uploads/`);
    expect(started.status, await started.text()).toBe(202);
    let location = started.headers.get('Location') as string;
    for (let off = 0; off < b.bytes.length; off += CHUNK) {
      const chunk = b.bytes.subarray(off, off + CHUNK);
      const res = await api.request('PATCH', new URL(location, reg.url).pathname, {
        body: chunk,
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Range': `${off}-${off + chunk.length - 1}`,
        },
      });
      expect(res.status, await res.text()).toBe(202);
      location = res.headers.get('Location') as string;
    }
    const url = new URL(location, reg.url);
    url.searchParams.set('digest', b.digest);
    const done = await api.request('PUT', `${url.pathname}${url.search}`);
    expect(done.status, await done.text()).toBe(201);
  }

  async function push(image: Image): Promise<void> {
    await Promise.all(image.blobs.map((b) => upload(image.repo, b)));
    const digest = await api.pushManifest(
      image.repo,
      image.tag,
      image.manifest,
      MediaType.ociManifest,
    );
    expect(digest).toBe(image.digest);
  }

  it(`${PUSHES} pushes of overlapping images at once all succeed, nothing left behind`, async () => {
    await within(60_000, `${PUSHES} concurrent pushes`, Promise.all(images.map(push)));
    expect(leftovers(reg)).toEqual([]);
    const distinct = new Set(images.flatMap((img) => img.blobs.map((b) => b.digest)));
    expect(blobFiles(reg).sort()).toEqual(
      [...distinct].map((d) => d.slice('sha256:'.length)).sort(),
    );
  });

  it(`${GETS} manifest GETs, ${GET_CONCURRENCY} at a time, answer the pushed bytes`, async () => {
    const gets = Array.from({ length: GETS }, (_, i) => {
      const image = images[i % images.length] as Image;
      return { image, ref: i % 2 ? image.tag : image.digest };
    });
    const answers = await within(
      60_000,
      `${GETS} manifest GETs`,
      mapLimit(gets, GET_CONCURRENCY, async ({ image, ref }) => {
        const res = await api.request('GET', `/v2/${image.repo}/manifests/${ref}`, {
          headers: { Accept: MediaType.ociManifest },
        });
        const body = Buffer.from(await res.arrayBuffer());
        return {
          ok: res.status === 200 && body.equals(image.manifest),
          header: res.headers.get('Docker-Content-Digest') === image.digest,
          digest: sha256Digest(body) === image.digest,
        };
      }),
    );
    expect(answers.filter((a) => !a.ok || !a.header || !a.digest)).toEqual([]);
  });

  it('serves every blob of every image with bytes that hash to its digest', async () => {
    const all = images.flatMap((image) => image.blobs.map((b) => ({ repo: image.repo, b })));
    const bad = await mapLimit(all, 20, async ({ repo, b }) => {
      const res = await api.request('GET', `/v2/${repo}/blobs/${b.digest}`);
      const body = Buffer.from(await res.arrayBuffer());
      const hex = createHash('sha256').update(body).digest('hex');
      return res.status === 200 && `sha256:${hex}` === b.digest ? undefined : b.digest;
    });
    expect(bad.filter(Boolean)).toEqual([]);
  });
});
