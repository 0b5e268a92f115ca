import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { key } from '../lib/config-keys.js';
import { ConfigError } from './errors.js';

/** The blob cache directory of `pull` and `seed`; without it, cli.ts's default (~/.cache/docket). */
export const CACHE_DIR_KEY = key.string<string | undefined>({
  flag: '--cache-dir',
  env: 'DOCKET_CACHE_DIR',
  description: 'blob cache directory (default ~/.cache/docket)',
  default: undefined,
});

/**
 * The client config file, `~/.config/docket/config.json` (or $DOCKET_CONFIG):
 * ```json
 * { "registry": "http://127.0.0.1:5000",
 *   "auths": { "http://127.0.0.1:5000": { "token": "..." } } }
 * ```
 * `registry` is the default registry (the last one logged in to); `auths` holds a
 * token per registry URL. Written with mode 0600.
 */
export interface ConfigFile {
  registry?: string;
  auths?: Record<string, { token: string }>;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  if (env.DOCKET_CONFIG) return env.DOCKET_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'docket', 'config.json');
}

export class ConfigStore {
  constructor(readonly path: string) {}

  /** The file's content; an empty config when there is no file. Throws ConfigError if unreadable. */
  async read(): Promise<ConfigFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ConfigError(`cannot read ${this.path}: ${(err as NodeJS.ErrnoException).code}`);
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new SyntaxError('not an object');
      return parsed as ConfigFile;
    } catch {
      throw new ConfigError(`${this.path} is not a JSON object`);
    }
  }

  async write(config: ConfigFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // An unpredictable name created exclusively ('wx'): a leftover or a planted symlink at
    // a guessable path can neither receive the token nor be followed.
    const tmp = `${this.path}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

/** Registry URL with a scheme and without a trailing slash; `host:port` alone gets http://. */
export function normalizeRegistryUrl(input: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `http://${input}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`invalid registry URL "${input}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`invalid registry URL "${input}": http or https only`);
  return url.origin;
}

export interface RegistryChoice {
  url: string;
  token?: string;
}

/**
 * The registry a command talks to: `--registry` flag, else $DOCKET_REGISTRY, else
 * the config file's default. The token: $DOCKET_TOKEN, else the file's token for
 * that URL. Throws ConfigError when no registry is named anywhere.
 */
export function chooseRegistry(
  flag: string | undefined,
  env: { registry?: string; token?: string },
  file: ConfigFile,
): RegistryChoice {
  const named = flag ?? env.registry ?? file.registry;
  if (!named)
    throw new ConfigError(
      'no registry: pass --registry URL, set DOCKET_REGISTRY, or run `docket login --registry URL`',
    );
  const url = normalizeRegistryUrl(named);
  const token = env.token ?? file.auths?.[url]?.token;
  return token ? { url, token } : { url };
}
