import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from './errors.js';

/**
 * The credentials file, `~/.config/docket/credentials.json` (or $DOCKET_CREDENTIALS):
 * ```json
 * { "registry": "http://127.0.0.1:5000",
 *   "auths": { "http://127.0.0.1:5000": { "token": "..." } } }
 * ```
 * `registry` is the default registry (the last one logged in to); `auths` holds a
 * token per registry URL. Written with mode 0600.
 */
export interface CredentialsFile {
  registry?: string;
  auths?: Record<string, { token: string }>;
}

/**
 * $DOCKET_CREDENTIALS, else $DOCKET_CONFIG (its deprecated name), else
 * `$XDG_CONFIG_HOME/docket/credentials.json`; where only the file's former name
 * `config.json` exists there, that one.
 */
export function defaultCredentialsPath(
  env: Readonly<Record<string, string | undefined>>,
  exists: (path: string) => boolean = existsSync,
): string {
  if (env.DOCKET_CREDENTIALS) return env.DOCKET_CREDENTIALS;
  if (env.DOCKET_CONFIG) return env.DOCKET_CONFIG;
  const dir = join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'docket');
  const path = join(dir, 'credentials.json');
  const former = join(dir, 'config.json');
  return !exists(path) && exists(former) ? former : path;
}

/** The default registry and a token per registry, kept by `docket login` and `docket logout`. */
export class CredentialsStore {
  constructor(readonly path: string) {}

  /** The file's content; empty when there is no file. Throws ConfigError if unreadable. */
  async read(): Promise<CredentialsFile> {
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
      return parsed as CredentialsFile;
    } catch {
      throw new ConfigError(`${this.path} is not a JSON object`);
    }
  }

  async write(credentials: CredentialsFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // An unpredictable name created exclusively ('wx'): a leftover or a planted symlink at
    // a guessable path can neither receive the token nor be followed.
    const tmp = `${this.path}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(credentials, null, 2)}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
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
 * the credentials file's default. The token: $DOCKET_TOKEN, else the file's token for
 * that URL. Throws ConfigError when no registry is named anywhere.
 */
export function chooseRegistry(
  flag: string | undefined,
  env: { registry?: string; token?: string },
  file: CredentialsFile,
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
