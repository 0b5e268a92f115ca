/**
 * Request paths of the OCI distribution API (distribution-spec "Endpoints"), of the
 * docket API, of the embedded tracker and of the web page. Repository names have any number of
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
  | 'docket.swarm'
  | 'docket.health'
  | 'docket.events'
  | 'agent.status'
  | 'agent.preheat'
  | 'tracker.announce'
  | 'tracker.scrape'
  | 'metrics'
  | 'web.index'
  | 'web.file';

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
  ['docket.events', /^\/docket\/v1\/events$/],
  ['agent.status', /^\/docket\/v1\/agent$/],
  ['agent.preheat', /^\/docket\/v1\/agent\/preheat\/(.+)\/([^/]+)$/],
  ['tracker.announce', /^\/announce$/],
  ['tracker.scrape', /^\/scrape$/],
  ['docket.swarm', /^\/docket\/v1\/swarm$/],
  ['docket.health', /^\/docket\/v1\/health$/],
  ['metrics', /^\/metrics$/],
  ['web.index', /^\/$/],
  // One file name, never a path: no `/`, and no leading `.` (so no `..`).
  ['web.file', /^\/web\/([A-Za-z0-9_-][A-Za-z0-9._-]*)$/],
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
