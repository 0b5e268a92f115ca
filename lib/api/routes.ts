/**
 * Request paths of the OCI distribution API (distribution-spec "Endpoints"), of the
 * docket API and of the embedded tracker. Repository names have any number of
 * `/`-separated components, so the name is whatever precedes the fixed suffix; the
 * first pattern that matches wins. paths.ts builds every one of these paths.
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
  | 'docket.rollback'
  | 'docket.gc'
  | 'docket.blob'
  | 'docket.torrent'
  | 'docket.layer'
  | 'docket.infohashes'
  | 'tracker.announce'
  | 'tracker.scrape'
  | 'metrics';

export const PATTERNS: ReadonlyArray<readonly [RouteName, RegExp]> = [
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
  ['docket.rollback', /^\/docket\/v1\/images\/(.+)\/([^/]+)\/rollback$/],
  ['docket.gc', /^\/docket\/v1\/gc$/],
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

/** The route of a request path (without its query); undefined when none matches or it is badly encoded. */
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
