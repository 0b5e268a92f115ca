/**
 * The routes of the OCI distribution API (distribution-spec "Endpoints"), of the docket
 * API, of the embedded tracker and of the web page: one table of name, path pattern and the
 * methods the contract defines on it. A server answers a subset (lib/http/router.ts: the
 * agent is read-only). Repository names have any number of `/`-separated components, so
 * the name is whatever precedes the fixed suffix; the first pattern that matches wins.
 * paths.ts builds every one of these paths.
 */
export const ROUTES = [
  { name: 'v2.base', pattern: /^\/v2\/?$/, methods: ['GET', 'HEAD'] },
  { name: 'v2.catalog', pattern: /^\/v2\/_catalog$/, methods: ['GET'] },
  { name: 'v2.token', pattern: /^\/v2\/token$/, methods: ['GET'] },
  { name: 'v2.tags', pattern: /^\/v2\/(.+)\/tags\/list$/, methods: ['GET'] },
  {
    name: 'v2.manifest',
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    methods: ['GET', 'HEAD', 'PUT', 'DELETE'],
  },
  // distribution-spec v1.1 "Listing Referrers": `?artifactType=` filters the index.
  { name: 'v2.referrers', pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: ['GET'] },
  { name: 'v2.uploads', pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/, methods: ['POST'] },
  {
    name: 'v2.upload',
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    methods: ['GET', 'PATCH', 'PUT', 'DELETE'],
  },
  {
    name: 'v2.blob',
    pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/,
    methods: ['GET', 'HEAD', 'DELETE'],
  },
  { name: 'docket.images', pattern: /^\/docket\/v1\/images\/?$/, methods: ['GET', 'POST'] },
  {
    name: 'docket.history',
    pattern: /^\/docket\/v1\/images\/(.+)\/([^/]+)\/history$/,
    methods: ['GET'],
  },
  {
    name: 'docket.rollback',
    pattern: /^\/docket\/v1\/images\/(.+)\/([^/]+)\/rollback$/,
    methods: ['POST'],
  },
  { name: 'docket.gc', pattern: /^\/docket\/v1\/gc$/, methods: ['POST'] },
  { name: 'docket.tokens', pattern: /^\/docket\/v1\/tokens$/, methods: ['GET', 'POST'] },
  { name: 'docket.token', pattern: /^\/docket\/v1\/tokens\/([^/]+)$/, methods: ['DELETE'] },
  {
    name: 'docket.tokenRotate',
    pattern: /^\/docket\/v1\/tokens\/([^/]+)\/rotate$/,
    methods: ['POST'],
  },
  // The token a request carries: its name and scopes (any live token).
  { name: 'docket.whoami', pattern: /^\/docket\/v1\/whoami$/, methods: ['GET'] },
  { name: 'docket.blob', pattern: /^\/docket\/v1\/blobs\/([^/]+)$/, methods: ['GET', 'HEAD'] },
  { name: 'docket.torrent', pattern: /^\/docket\/v1\/blobs\/([^/]+)\/torrent$/, methods: ['GET'] },
  { name: 'docket.layer', pattern: /^\/docket\/v1\/layers\/([^/]+)$/, methods: ['GET'] },
  { name: 'docket.infohashes', pattern: /^\/docket\/v1\/infohashes$/, methods: ['GET'] },
  { name: 'docket.events', pattern: /^\/docket\/v1\/events$/, methods: ['GET'] },
  { name: 'agent.status', pattern: /^\/docket\/v1\/agent$/, methods: ['GET'] },
  {
    name: 'agent.preheat',
    pattern: /^\/docket\/v1\/agent\/preheat\/(.+)\/([^/]+)$/,
    methods: ['POST'],
  },
  { name: 'tracker.announce', pattern: /^\/announce$/, methods: ['GET'] },
  { name: 'tracker.scrape', pattern: /^\/scrape$/, methods: ['GET'] },
  { name: 'docket.swarm', pattern: /^\/docket\/v1\/swarm$/, methods: ['GET'] },
  { name: 'docket.health', pattern: /^\/docket\/v1\/health$/, methods: ['GET'] },
  { name: 'metrics', pattern: /^\/metrics$/, methods: ['GET'] },
  { name: 'web.index', pattern: /^\/$/, methods: ['GET', 'HEAD'] },
  // One file name, never a path: no `/`, and no leading `.` (so no `..`).
  {
    name: 'web.file',
    pattern: /^\/web\/([A-Za-z0-9_-][A-Za-z0-9._-]*)$/,
    methods: ['GET', 'HEAD'],
  },
] as const satisfies ReadonlyArray<{
  name: string;
  pattern: RegExp;
  methods: ReadonlyArray<HttpMethod>;
}>;

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RouteName = (typeof ROUTES)[number]['name'];

/** The methods the contract defines on route `R`. */
export type RouteMethod<R extends RouteName> = Extract<
  (typeof ROUTES)[number],
  { name: R }
>['methods'][number];

export interface RouteMatch {
  route: RouteName;
  /** Percent-decoded captures, in pattern order. */
  params: string[];
}

/** The route of a request path (without its query); undefined when none matches or it is badly encoded. */
export function matchRoute(path: string): RouteMatch | undefined {
  for (const { name, pattern } of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    try {
      return { route: name, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
