import { type Digest, parseDigest } from '../../lib/digest.js';
import {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
} from '../../lib/media-types.js';
import { RegistryError } from '../errors.js';
import { type Platform, selectPlatform } from './platform.js';
import type { RegistryClient } from '../registry-client.js';

export type { Platform } from './platform.js';

/** Node's `process.arch` in the OCI image-spec's GOARCH words. */
export function hostPlatform(arch: string = process.arch): Platform {
  const goarch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
  return { os: 'linux', architecture: goarch[arch] ?? arch };
}

/** From an index: the host platform's manifest, else linux/amd64, else undefined. */
export function pickPlatform(index: ImageIndex, host: Platform): Descriptor | undefined {
  const match = (p: Platform) =>
    index.manifests.find(
      (m) => m.platform?.os === p.os && m.platform?.architecture === p.architecture,
    );
  return match(host) ?? match({ os: 'linux', architecture: 'amd64' });
}

export interface ResolvedImage {
  /** Digest of the image manifest (after picking from an index). */
  manifestDigest: Digest;
  manifest: ImageManifest;
  /** The manifest as the registry sent it, byte for byte, and its media type. */
  manifestBody: Buffer;
  manifestMediaType: string;
  configDigest: Digest;
  config: Buffer;
  /** rootfs.diff_ids of the config, one per manifest layer. */
  diffIds: Digest[];
}

/**
 * Fetches the manifest of `name:reference` (an index resolves to the host platform's
 * manifest), then its config blob, and checks they agree on the number of layers.
 */
export async function resolveImage(
  registry: RegistryClient,
  name: string,
  reference: string,
  platform: Platform = hostPlatform(),
  /** The user chose `platform` (`--platform`): no linux/amd64 fallback. */
  strict = false,
): Promise<ResolvedImage> {
  let fetched = await registry.getManifest(name, reference);
  if (isIndexMediaType(fetched.mediaType)) {
    const index = JSON.parse(fetched.body.toString()) as ImageIndex;
    const chosen = strict ? selectPlatform(index, platform, false) : pickPlatform(index, platform);
    if (!chosen)
      throw new RegistryError(
        200,
        'MANIFEST_UNKNOWN',
        `${name}:${reference} has no image for ${platform.os}/${platform.architecture}`,
      );
    fetched = await registry.getManifest(name, chosen.digest);
  }
  const manifest = JSON.parse(fetched.body.toString()) as ImageManifest;
  if (!manifest.config || !Array.isArray(manifest.layers))
    throw new RegistryError(200, 'MANIFEST_INVALID', `${name}:${reference}: not an image manifest`);
  const configDigest = parseDigest(manifest.config.digest);
  const config = await registry.getBlob(name, configDigest);
  const diffIds = (
    (JSON.parse(config.toString()) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? []
  ).map(parseDigest);
  if (diffIds.length !== manifest.layers.length)
    throw new RegistryError(
      200,
      'MANIFEST_INVALID',
      `${name}:${reference}: ${manifest.layers.length} layers but ${diffIds.length} diff_ids`,
    );
  return {
    manifestDigest: fetched.digest,
    manifest,
    manifestBody: fetched.body,
    manifestMediaType: fetched.mediaType,
    configDigest,
    config,
    diffIds,
  };
}

/**
 * How many bottom layers of an image the engine already has: the longest prefix
 * whose chain ID (image-spec config.md "Layer ChainID") is the chain ID of some
 * prefix of an image the engine holds.
 */
export function presentBottomLayers(chain: readonly Digest[], engineChains: Set<string>): number {
  let k = 0;
  while (k < chain.length && engineChains.has(chain[k] as string)) k++;
  return k;
}
