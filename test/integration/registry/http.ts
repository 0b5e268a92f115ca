import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { type Digest, sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import type { TestRegistry } from '../../helpers/registry.js';

/** Small fetch wrappers over a test registry, with the admin token unless told otherwise. */
export function client(reg: TestRegistry) {
  const auth = { Authorization: `Bearer ${reg.token}` };
  const request = (
    method: string,
    path: string,
    init: RequestInit & { anonymous?: boolean } = {},
  ) =>
    fetch(`${reg.url}${path}`, {
      method,
      ...init,
      headers: { ...(init.anonymous ? {} : auth), ...(init.headers as Record<string, string>) },
    });
  return {
    request,
    async pushBlob(name: string, bytes: Buffer): Promise<Digest> {
      const digest = sha256Digest(bytes);
      const res = await request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, {
        body: bytes,
      });
      expect(res.status, await res.text()).toBe(201);
      return digest;
    },
    async pushManifest(name: string, ref: string, body: Buffer, mediaType: string) {
      const res = await request('PUT', `/v2/${name}/manifests/${ref}`, {
        body,
        headers: { 'Content-Type': mediaType },
      });
      expect(res.status, await res.text()).toBe(201);
      return res.headers.get('Docker-Content-Digest') as Digest;
    },
    /** Pushes a one-layer image (layer gzip of `content`) and returns its manifest bytes. */
    async pushImage(
      name: string,
      tag: string,
      content: string,
      mediaType: string = MediaType.ociManifest,
      /** The diff_id the config claims for the layer (default: the true one). */
      claimDiffId?: Digest,
    ) {
      const layerTar = Buffer.from(content);
      const layer = gzipSync(layerTar);
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          created: '2024-05-06T07:08:09Z',
          rootfs: { type: 'layers', diff_ids: [claimDiffId ?? sha256Digest(layerTar)] },
        }),
      );
      const oci = mediaType === MediaType.ociManifest;
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType,
          config: {
            mediaType: oci ? MediaType.ociConfig : MediaType.dockerConfig,
            digest: await this.pushBlob(name, config),
            size: config.length,
          },
          layers: [
            {
              mediaType: oci ? MediaType.ociLayerGzip : MediaType.dockerLayerGzip,
              digest: await this.pushBlob(name, layer),
              size: layer.length,
            },
          ],
        }),
      );
      const digest = await this.pushManifest(name, tag, manifest, mediaType);
      return { manifest, digest, layer, config, diffId: sha256Digest(layerTar) };
    },
  };
}

/** Asserts the OCI error envelope and status of a response. */
export async function expectError(res: Response, status: number, code: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(JSON.parse(text).errors[0].code, text).toBe(code);
}

/** Files under the store's upload and temp dirs (empty when nothing is left behind). */
export function leftovers(reg: TestRegistry): string[] {
  return ['uploads', 'tmp'].flatMap((d) => readdirSync(join(reg.dataDir, 'blobs', d)));
}

/** Every committed blob file. */
export function blobFiles(reg: TestRegistry): string[] {
  const root = join(reg.dataDir, 'blobs', 'sha256');
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)));
}
