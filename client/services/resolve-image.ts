import { type Digest, parseDigest } from '../../lib/digest.js';
import { ManifestInvalidError } from '../../lib/errors.js';
import {
  type ImageManifest,
  type ParsedManifest,
  formatPlatform,
  type Platform,
  parseManifest,
  platformMatches,
  selectPlatform,
} from '../../lib/manifest/index.js';
import { NotFoundError, RegistryError } from '../errors.js';
import type { FetchedManifest, RegistryClient } from '../registry-client.js';

/** Node's `process.arch` in the OCI image-spec's GOARCH words. */
export function hostPlatform(arch: string = process.arch): Platform {
  const goarch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
  return { os: 'linux', architecture: goarch[arch] ?? arch };
}

/**
 * The manifest or index the registry sent for `name:reference`, validated (lib/manifest
 * parseManifest). Throws RegistryError MANIFEST_INVALID when it is not one.
 */
export function readManifest(
  fetched: FetchedManifest,
  name: string,
  reference: string,
): ParsedManifest {
  try {
    return parseManifest(fetched.body, fetched.mediaType);
  } catch (err) {
    if (!(err instanceof ManifestInvalidError)) throw err;
    throw new RegistryError(
      200,
      'MANIFEST_INVALID',
      `${name}:${reference}: the registry sent an invalid manifest: ${err.message}`,
      { digest: fetched.digest, mediaType: fetched.mediaType },
    );
  }
}

export interface ResolvedImage {
  /** Digest of the index `reference` named, when it named one. */
  indexDigest?: Digest;
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
 * Fetches the manifest of `name:reference` (an index resolves to the manifest of
 * `platform`, else linux/amd64 unless `strict`), then its config blob, and checks they
 * agree on the number of layers. Throws NotFoundError MANIFEST_UNKNOWN when the index has
 * no such platform, or, when `strict`, a single image's config names another platform;
 * RegistryError MANIFEST_INVALID when a manifest is invalid or not an image manifest; and
 * the RegistryClient's errors.
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
  let parsed = readManifest(fetched, name, reference);
  const indexDigest = parsed.kind === 'index' ? fetched.digest : undefined;
  if (parsed.kind === 'index') {
    const chosen = selectPlatform(parsed.index, platform, !strict);
    if (!chosen) throw noImageFor(name, reference, platform);
    fetched = await registry.getManifest(name, chosen.digest);
    parsed = readManifest(fetched, name, chosen.digest);
  }
  if (parsed.kind !== 'image')
    throw new RegistryError(200, 'MANIFEST_INVALID', `${name}:${reference}: not an image manifest`);
  const { manifest } = parsed;
  const configDigest = parseDigest(manifest.config.digest);
  const config = await registry.getBlob(name, configDigest);
  const parsedConfig = JSON.parse(config.toString()) as ImageConfigFields;
  // A single-platform image asked for with --platform: it must be that platform, as an
  // index entry must (an amd64-only image is not an arm64 one).
  if (strict && !indexDigest && !configMatches(parsedConfig, platform))
    throw noImageFor(name, reference, platform, parsedConfig);
  const diffIds = (parsedConfig.rootfs?.diff_ids ?? []).map(parseDigest);
  if (diffIds.length !== manifest.layers.length)
    throw new RegistryError(
      200,
      'MANIFEST_INVALID',
      `${name}:${reference}: ${manifest.layers.length} layers but ${diffIds.length} diff_ids`,
    );
  return {
    ...(indexDigest ? { indexDigest } : {}),
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

/** The fields of an image config (OCI image-spec "Properties") read here. */
interface ImageConfigFields {
  os?: string;
  architecture?: string;
  variant?: string;
  rootfs?: { diff_ids?: string[] };
}

/** The platform an image config names; undefined when it names none (taken as any). */
function configPlatform(config: ImageConfigFields): Platform | undefined {
  const { os, architecture, variant } = config;
  if (!os || !architecture) return undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}

function configMatches(config: ImageConfigFields, wanted: Platform): boolean {
  const own = configPlatform(config);
  return own === undefined || platformMatches(own, wanted);
}

/** The image has no manifest for the platform asked for: a not-found (exit code 3). */
function noImageFor(
  name: string,
  reference: string,
  wanted: Platform,
  only?: ImageConfigFields,
): NotFoundError {
  const own = only && configPlatform(only);
  const has = own ? ` (it is ${formatPlatform(own)} only)` : '';
  return new NotFoundError(
    404,
    'MANIFEST_UNKNOWN',
    `${name}:${reference} has no image for ${formatPlatform(wanted)}${has}`,
  );
}
