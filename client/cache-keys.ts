import { type KeyTable, key } from '../lib/config-keys.js';

/** The settings of the local blob cache, the same for `pull`, `seed`, `agent` and `cache`. */
export interface CacheSettings {
  /** Undefined: the CLI's default, $XDG_CACHE_HOME/docket (~/.cache/docket). */
  cacheDir: string | undefined;
  /** The cache's limit in bytes, partial downloads included. */
  cacheBytes: number;
}

export const CACHE_KEYS: KeyTable<CacheSettings> = {
  cacheDir: key.string<string | undefined>({
    flag: '--cache-dir',
    env: 'DOCKET_CACHE_DIR',
    description: 'blob cache directory (default ~/.cache/docket)',
    default: undefined,
  }),
  cacheBytes: key.size({
    flag: '--cache-size',
    env: 'DOCKET_CACHE_SIZE',
    description:
      'blob cache limit, e.g. 5G; partial downloads count, least recently used blobs not in use go first',
    default: 10 * 1024 ** 3,
  }),
};
