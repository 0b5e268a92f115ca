import type { ImageConfigDocument } from '../lib/api/image-config.js';
import type {
  HealthReport,
  ImageList,
  SwarmReport,
  TagHistory,
  WhoAmI,
} from '../lib/api/bodies.js';
import { Header } from '../lib/api/headers.js';
import { paths } from '../lib/api/paths.js';
import type { Digest } from '../lib/digest.js';
import type { Descriptor, ImageIndex } from '../lib/manifest/types.js';

const TOKEN_KEY = 'docket.token';

/** The registry answered 401: the page needs a (different) token. */
export class UnauthorizedError extends Error {}

/** A non-2xx answer other than 401, with the OCI error code when the body has one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The token lives in this tab's session only: closing the tab forgets it. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

async function getJson<T>(path: string): Promise<T> {
  const token = tokenStore.get();
  const res = await fetch(path, {
    headers: {
      [Header.requestedWith]: 'docket-web',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    cache: 'no-store',
  });
  if (res.status === 401) throw new UnauthorizedError('a token is needed');
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as
      | { errors?: { code?: string; message?: string }[] }
      | undefined;
    const first = body?.errors?.[0];
    throw new ApiError(res.status, first?.code, first?.message ?? `HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

export const api = {
  images: () => getJson<ImageList>(paths.images()),
  history: (repository: string, tag: string) => getJson<TagHistory>(paths.history(repository, tag)),
  config: (repository: string, digest: string) =>
    getJson<ImageConfigDocument>(paths.blob(repository, digest as Digest)),
  /**
   * The manifests whose `subject` is `digest` (OCI 1.1 referrers: signatures, SBOMs); none
   * from a registry without the referrers API (404).
   */
  referrers: (repository: string, digest: string): Promise<Descriptor[]> =>
    getJson<ImageIndex>(paths.referrers(repository, digest as Digest)).then(
      (index) => index.manifests ?? [],
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return [];
        throw err;
      },
    ),
  swarm: () => getJson<SwarmReport>(paths.swarm()),
  health: () => getJson<HealthReport>(paths.health()),
  /** The name and scopes of the token the page holds. */
  whoami: () => getJson<WhoAmI>(paths.whoami()),
};
