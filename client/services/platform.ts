import type { Descriptor, ImageIndex } from '../../lib/media-types.js';

/** An OCI platform (image-spec image-index.md "platform"), in GOOS/GOARCH words. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** `os/arch[/variant]`, as `docker pull --platform` takes it; undefined when malformed. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p)))
    return undefined;
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The manifest of `index` for `wanted`: same os and architecture, and the same variant
 * when `wanted` names one. With `fallback` (the engine's own platform was asked, not a
 * user's choice), linux/amd64 when nothing matches.
 */
export function selectPlatform(
  index: ImageIndex,
  wanted: Platform,
  fallback: boolean,
): Descriptor | undefined {
  const match = (p: Platform) =>
    index.manifests.find(
      (m) =>
        m.platform?.os === p.os &&
        m.platform.architecture === p.architecture &&
        (p.variant === undefined || m.platform.variant === p.variant),
    );
  return match(wanted) ?? (fallback ? match({ os: 'linux', architecture: 'amd64' }) : undefined);
}
