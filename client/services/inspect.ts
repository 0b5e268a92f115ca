import type { ImageConfigDocument } from '../../lib/api/image-config.js';
import type { ImageSummary } from '../../lib/api/index.js';
import type { Platform } from '../../lib/manifest/index.js';
import type { RegistryClient } from '../registry-client.js';
import { listReferrers, type Referrer } from './referrers.js';
import { hostPlatform, readManifest, resolveImage } from './resolve-image.js';

/** What `docket inspect` prints (`--json` prints this object). */
export interface ImageInspection {
  repository: string;
  reference: string;
  /** The digest the reference resolves to (an index's, for a multi-arch image). */
  digest: string;
  /** The platforms of an index; empty for a single image. */
  platforms: { os: string; architecture: string; variant?: string; digest: string }[];
  /** The image manifest inspected (the host platform's, from an index). */
  manifestDigest: string;
  manifest: unknown;
  config: ConfigSummary;
  /** Config plus layers, as stored (compressed). */
  size: number;
  layers: {
    digest: string;
    size: number;
    mediaType: string;
    diffId: string | null;
    /** Other `repository:tag`s whose image has this layer. */
    sharedWith: string[];
  }[];
  /**
   * The manifests whose `subject` is the digest the reference resolves to or, from an
   * index, the image inspected (OCI 1.1 referrers: signatures, SBOMs).
   */
  referrers: Referrer[];
}

export interface ConfigSummary {
  digest: string;
  os: string | null;
  architecture: string | null;
  created: string | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  workingDir: string | null;
  user: string | null;
  exposedPorts: string[];
  labels: Record<string, string>;
}

/**
 * Reads an image from the registry: its manifest (for an index, the platforms it has and
 * the host platform's image), a summary of its config, its layers with the other images
 * in the registry that share each of them, and its referrers.
 */
export async function inspectImage(
  registry: RegistryClient,
  repository: string,
  reference: string,
  platform: Platform = hostPlatform(),
): Promise<ImageInspection> {
  const top = await registry.getManifest(repository, reference);
  const parsed = readManifest(top, repository, reference);
  const platforms =
    parsed.kind === 'index'
      ? parsed.index.manifests.map((m) => ({
          os: m.platform?.os ?? 'unknown',
          architecture: m.platform?.architecture ?? 'unknown',
          ...(m.platform?.variant ? { variant: m.platform.variant } : {}),
          digest: m.digest,
        }))
      : [];
  const image = await resolveImage(registry, repository, reference, platform);
  const config = JSON.parse(image.config.toString()) as ImageConfigDocument;
  const referrers = await listReferrers(registry, repository, [top.digest, image.manifestDigest]);
  const others = (await registry.listImages()).filter(
    (i) => !(i.repository === repository && i.tag === reference),
  );
  const layers = image.manifest.layers.map((l, i) => ({
    digest: l.digest,
    size: l.size,
    mediaType: l.mediaType,
    diffId: image.diffIds[i] ?? null,
    sharedWith: sharing(others, l.digest),
  }));
  return {
    repository,
    reference,
    digest: top.digest,
    platforms,
    manifestDigest: image.manifestDigest,
    manifest: image.manifest,
    config: summarizeConfig(image.configDigest, config),
    size: image.manifest.config.size + layers.reduce((n, l) => n + l.size, 0),
    layers,
    referrers,
  };
}

function sharing(images: ImageSummary[], digest: string): string[] {
  return images
    .filter((i) => i.layers.some((l) => l.digest === digest))
    .map((i) => `${i.repository}:${i.tag}`);
}

function summarizeConfig(digest: string, c: ImageConfigDocument): ConfigSummary {
  const cfg = c.config ?? {};
  return {
    digest,
    os: c.os ?? null,
    architecture: c.architecture ?? null,
    created: c.created ?? null,
    entrypoint: cfg.Entrypoint ?? null,
    cmd: cfg.Cmd ?? null,
    env: cfg.Env ?? [],
    workingDir: cfg.WorkingDir || null,
    user: cfg.User || null,
    exposedPorts: Object.keys(cfg.ExposedPorts ?? {}),
    labels: cfg.Labels ?? {},
  };
}
