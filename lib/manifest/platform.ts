import type { Descriptor, ImageIndex, Platform } from './types.js';

/** The platform taken when an index has none of the one asked for (and a fallback is allowed). */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

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

/** `candidate` is `wanted`: same os and architecture, and the same variant when `wanted` names one. */
export function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  return (
    candidate?.os === wanted.os &&
    candidate.architecture === wanted.architecture &&
    (wanted.variant === undefined || candidate.variant === wanted.variant)
  );
}

/**
 * The first manifest of `index` whose platform matches `wanted` (platformMatches). With
 * `fallback` (the caller's own platform was asked, not a user's choice), DEFAULT_PLATFORM's
 * when nothing matches.
 */
export function selectPlatform(
  index: ImageIndex,
  wanted: Platform,
  fallback: boolean,
): Descriptor | undefined {
  const match = (p: Platform) => index.manifests.find((m) => platformMatches(m.platform, p));
  return match(wanted) ?? (fallback ? match(DEFAULT_PLATFORM) : undefined);
}
