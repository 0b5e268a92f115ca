import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../../client/errors.js';
import type { FetchedManifest, RegistryClient } from '../../../../client/registry-client.js';
import { resolveImage } from '../../../../client/services/resolve-image.js';
import { sha256Digest } from '../../../../lib/digest.js';
import { MediaType } from '../../../../lib/media-types.js';

const LAYER = sha256Digest(Buffer.from('layer'));
const config = (architecture: string) =>
  Buffer.from(
    JSON.stringify({ os: 'linux', architecture, rootfs: { type: 'layers', diff_ids: [LAYER] } }),
  );

/** A registry holding one single-platform image (no index) whose config says `architecture`. */
function singleImage(architecture: string): RegistryClient {
  const cfg = config(architecture);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: sha256Digest(cfg), size: cfg.length },
      layers: [{ mediaType: MediaType.dockerLayerGzip, digest: LAYER, size: 5 }],
    }),
  );
  const manifest: FetchedManifest = {
    body,
    mediaType: MediaType.dockerManifest,
    digest: sha256Digest(body),
  };
  return {
    getManifest: async () => manifest,
    getBlob: async () => cfg,
  } as unknown as RegistryClient;
}

describe('resolveImage of a single-platform image', () => {
  it('refuses another platform asked for explicitly (--platform): not found', async () => {
    const err = await resolveImage(
      singleImage('amd64'),
      'app',
      'v1',
      { os: 'linux', architecture: 'arm64' },
      true,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(
      'app:v1 has no image for linux/arm64 (it is linux/amd64 only)',
    );
  });

  it('takes the platform asked for explicitly when it is the image’s', async () => {
    const image = await resolveImage(
      singleImage('arm64'),
      'app',
      'v1',
      { os: 'linux', architecture: 'arm64' },
      true,
    );
    expect(image.diffIds).toEqual([LAYER]);
  });

  it('takes whatever the image is when no platform was asked for', async () => {
    const image = await resolveImage(singleImage('amd64'), 'app', 'v1', {
      os: 'linux',
      architecture: 'arm64',
    });
    expect(image.diffIds).toEqual([LAYER]);
  });
});
