import type { Digest } from '../digest.js';

/**
 * Builds the path of every route in routes.ts; `matchRoute(paths.x(...))` gives back
 * route `x`'s name and the same params. Each parameter is percent-encoded as one path
 * segment (RFC 3986 §3.3: `:` and `@` stay literal, so digests read as usual); a
 * repository name is encoded component by component, its `/` kept.
 */
export const paths = {
  base: (): string => '/v2/',
  token: (): string => '/v2/token',
  catalog: (): string => '/v2/_catalog',
  tags: (name: string): string => `/v2/${repo(name)}/tags/list`,
  /** `reference` is a tag or a digest. */
  manifest: (name: string, reference: string): string =>
    `/v2/${repo(name)}/manifests/${segment(reference)}`,
  /**
   * The image index of the manifests whose `subject` is `digest` (distribution-spec v1.1
   * "Listing Referrers"); `artifactType` asks the registry to filter it.
   */
  referrers: (name: string, digest: Digest, artifactType?: string): string =>
    `/v2/${repo(name)}/referrers/${segment(digest)}${
      artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`
    }`,
  /** Where an upload session is opened (`POST`). */
  uploads: (name: string): string => `/v2/${repo(name)}/blobs/uploads/`,
  /** One upload session. */
  upload: (name: string, id: string): string => `/v2/${repo(name)}/blobs/uploads/${segment(id)}`,
  blob: (name: string, digest: Digest): string => `/v2/${repo(name)}/blobs/${segment(digest)}`,
  images: (): string => '/docket/v1/images',
  history: (name: string, tag: string): string =>
    `/docket/v1/images/${repo(name)}/${segment(tag)}/history`,
  rollback: (name: string, tag: string): string =>
    `/docket/v1/images/${repo(name)}/${segment(tag)}/rollback`,
  gc: (): string => '/docket/v1/gc',
  /** The registry's tokens (admin): list (GET), create (POST). */
  docketTokens: (): string => '/docket/v1/tokens',
  /** One token: revoke (DELETE). */
  docketToken: (name: string): string => `/docket/v1/tokens/${segment(name)}`,
  /** A new secret for one token (POST). */
  docketTokenRotate: (name: string): string => `/docket/v1/tokens/${segment(name)}/rotate`,
  /** The token the request carries: its name and scopes (GET, any live token). */
  whoami: (): string => '/docket/v1/whoami',
  /** A blob outside any repository: the BEP 19 web seed URL of its torrent. */
  docketBlob: (digest: Digest): string => `/docket/v1/blobs/${segment(digest)}`,
  torrent: (digest: Digest): string => `/docket/v1/blobs/${segment(digest)}/torrent`,
  layer: (diffId: Digest): string => `/docket/v1/layers/${segment(diffId)}`,
  infohashes: (): string => '/docket/v1/infohashes',
  /** The registry's event stream (server-sent events, events.ts). */
  events: (): string => '/docket/v1/events',
  /** Served by `docket agent`, not the registry: what the agent holds. */
  agentStatus: (): string => '/docket/v1/agent',
  /** Served by `docket agent`: fetch an image into the agent's cache now. */
  agentPreheat: (name: string, reference: string): string =>
    `/docket/v1/agent/preheat/${repo(name)}/${segment(reference)}`,
  announce: (): string => '/announce',
  scrape: (): string => '/scrape',
  metrics: (): string => '/metrics',
  /** Seeders, leechers and peers of every swarm, and the bytes each source served. */
  swarm: (): string => '/docket/v1/swarm',
  health: (): string => '/docket/v1/health',
  webIndex: (): string => '/',
  /** A file of the built web page (bundle, stylesheet). */
  webFile: (name: string): string => `/web/${segment(name)}`,
} as const;

function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/g, ':').replace(/%40/g, '@');
}

function repo(name: string): string {
  return name.split('/').map(segment).join('/');
}
