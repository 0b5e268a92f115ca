import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { GcResult } from '../../../lib/api/index.js';
import { type Digest, sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { openTestMetadata, type TestRegistry } from '../../helpers/registry.js';
import type { client } from './http.js';

type Api = ReturnType<typeof client>;

export interface PushedImage {
  digest: Digest;
  config: Digest;
  layers: Digest[];
}

/** An OCI image manifest over a config and layers already stored. */
export function manifestOf(config: Buffer, layers: Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: layers.map((l) => ({
        mediaType: MediaType.ociLayerGzip,
        digest: sha256Digest(l),
        size: l.length,
      })),
    }),
  );
}

/** An image config; with `layers` (stored uncompressed), their diff_ids too. */
export function configOf(name: string, layers?: Buffer[]): Buffer {
  const rootfs = layers && { type: 'layers', diff_ids: layers.map((l) => sha256Digest(l)) };
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', name, rootfs }));
}

/**
 * Pushes an image as docker does: HEAD each blob, upload the missing ones in two PATCH
 * chunks, then PUT the manifest under `tag`. Answers the manifest PUT's status.
 */
export async function pushLikeDocker(
  api: Api,
  name: string,
  tag: string,
  config: Buffer,
  layers: Buffer[],
): Promise<{ status: number; image: PushedImage; body: string }> {
  for (const blob of [...layers, config]) {
    const digest = sha256Digest(blob);
    if ((await api.request('HEAD', `/v2/${name}/blobs/${digest}`)).status === 200) continue;
    const start = await api.request('POST', `/v2/${name}/blobs/uploads/`);
    expect(start.status).toBe(202);
    const location = start.headers.get('Location')!;
    const half = Math.floor(blob.length / 2);
    for (const [from, to] of [
      [0, half],
      [half, blob.length],
    ] as const) {
      const res = await api.request('PATCH', location, {
        body: blob.subarray(from, to),
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      expect(res.status).toBe(202);
    }
    const put = await api.request('PUT', `${location}?digest=${digest}`);
    expect(put.status, await put.text()).toBe(201);
  }
  const manifest = manifestOf(config, layers);
  const res = await api.request('PUT', `/v2/${name}/manifests/${tag}`, {
    body: manifest,
    headers: { 'Content-Type': MediaType.ociManifest },
  });
  return {
    status: res.status,
    body: await res.text(),
    image: {
      digest: sha256Digest(manifest),
      config: sha256Digest(config),
      layers: layers.map((l) => sha256Digest(l)),
    },
  };
}

/** Bytes of every committed blob file, as on disk. */
export function blobBytesOnDisk(reg: TestRegistry): number {
  const root = join(reg.dataDir, 'blobs', 'sha256');
  let total = 0;
  for (const dir of readdirSync(root))
    for (const file of readdirSync(join(root, dir))) total += statSync(join(root, dir, file)).size;
  return total;
}

/** Makes everything stored so far look a day old, as if pushed long before gc runs. */
export async function ageEverything(reg: TestRegistry): Promise<void> {
  const metadata = await openTestMetadata(reg.dataDir);
  try {
    const old = new Date(Date.now() - 24 * 3600_000).toISOString();
    metadata.db.run('UPDATE blobs SET created_at = ?, used_at = NULL', old);
    metadata.db.run('UPDATE manifests SET created_at = ?, used_at = NULL', old);
  } finally {
    metadata.close();
  }
}

/** Distinct gzip-looking layer bytes of about `size` bytes. */
export function layerBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let state = sha256Digest(seed);
  for (let at = 0; at < size; at += 32) {
    state = sha256Digest(state);
    Buffer.from(state.slice(7), 'hex').copy(out, at);
  }
  return out;
}

/** `POST /docket/v1/gc` (`query`: `?dryRun=1&graceSeconds=0`, say); expects 200. */
export async function runGc(api: ReturnType<typeof client>, query = ''): Promise<GcResult> {
  const res = await api.request('POST', `/docket/v1/gc${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as GcResult;
}
