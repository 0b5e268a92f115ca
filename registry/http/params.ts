import { type Digest, parseDigest } from '../../lib/digest.js';
import { parseName } from '../../lib/reference.js';

/**
 * Request paths of the OCI distribution API (distribution-spec "Endpoints") and the
 * docket API. Repository names have any number of `/`-separated components, so the
 * name is whatever precedes the fixed suffix; the first pattern that matches wins.
 */
export type RouteName =
  | 'v2.base'
  | 'v2.token'
  | 'v2.catalog'
  | 'v2.tags'
  | 'v2.manifest'
  | 'v2.uploads'
  | 'v2.upload'
  | 'v2.blob'
  | 'docket.images'
  | 'docket.history'
  | 'docket.blob'
  | 'docket.torrent'
  | 'docket.layer'
  | 'docket.infohashes'
  | 'tracker.announce'
  | 'tracker.scrape'
  | 'metrics';

const PATTERNS: ReadonlyArray<[RouteName, RegExp]> = [
  ['v2.base', /^\/v2\/?$/],
  ['v2.catalog', /^\/v2\/_catalog$/],
  ['v2.token', /^\/v2\/token$/],
  ['v2.tags', /^\/v2\/(.+)\/tags\/list$/],
  ['v2.manifest', /^\/v2\/(.+)\/manifests\/([^/]+)$/],
  ['v2.uploads', /^\/v2\/(.+)\/blobs\/uploads\/?$/],
  ['v2.upload', /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/],
  ['v2.blob', /^\/v2\/(.+)\/blobs\/([^/]+)$/],
  ['docket.images', /^\/docket\/v1\/images\/?$/],
  ['docket.history', /^\/docket\/v1\/images\/(.+)\/([^/]+)\/history$/],
  ['docket.blob', /^\/docket\/v1\/blobs\/([^/]+)$/],
  ['docket.torrent', /^\/docket\/v1\/blobs\/([^/]+)\/torrent$/],
  ['docket.layer', /^\/docket\/v1\/layers\/([^/]+)$/],
  ['docket.infohashes', /^\/docket\/v1\/infohashes$/],
  ['tracker.announce', /^\/announce$/],
  ['tracker.scrape', /^\/scrape$/],
  ['metrics', /^\/metrics$/],
];

export interface RouteMatch {
  route: RouteName;
  /** Percent-decoded captures, in pattern order. */
  params: string[];
}

export function matchRoute(path: string): RouteMatch | undefined {
  for (const [route, re] of PATTERNS) {
    const m = re.exec(path);
    if (!m) continue;
    try {
      return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The repository name of a match; throws ReferenceInvalidError (NAME_INVALID). */
export function nameParam(match: RouteMatch): string {
  return parseName(match.params[0] ?? '');
}

/** A digest parameter; throws DigestInvalidError. */
export function digestParam(value: string | undefined): Digest {
  return parseDigest(value ?? '');
}
