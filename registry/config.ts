import { readFileSync } from 'node:fs';
import { ConfigError } from '../lib/errors.js';

/** Everything `docket registry` can be told. */
export interface RegistryConfig {
  /** Blobs, the SQLite file and the admin token live here. */
  dataDir: string;
  port: number;
  host: string;
  /** Base URL clients reach the registry at (torrents' web seed and tracker URLs); derived when unset. */
  publicUrl?: string;
  /** Extra trackers written into every torrent, after the embedded one. */
  trackerUrls: string[];
  /** Serve /announce and /scrape and list `<publicUrl>/announce` in torrents. */
  embeddedTracker: boolean;
  /** Require a token for reads as well as writes. */
  authReads: boolean;
  /** Largest blob upload or image archive accepted. */
  maxUploadBytes: number;
  /** How long the seeder keeps an idle torrent, and how many at most. */
  seedIdleMs: number;
  seedMaxActive: number;
  logLevel: string;
}

export const DEFAULT_CONFIG: RegistryConfig = {
  dataDir: './docket-data',
  port: 5000,
  host: '0.0.0.0',
  trackerUrls: [],
  embeddedTracker: true,
  authReads: false,
  maxUploadBytes: 10 * 1024 ** 3,
  seedIdleMs: 5 * 60_000,
  seedMaxActive: 200,
  logLevel: 'info',
};

export { ConfigError };

export type PartialConfig = Partial<RegistryConfig>;

/** DOCKET_* environment variables, read as a partial config. */
export function configFromEnv(env: NodeJS.ProcessEnv): PartialConfig {
  const out: PartialConfig = {};
  const str = (k: string) => (env[k] !== undefined && env[k] !== '' ? env[k] : undefined);
  if (str('DOCKET_DATA_DIR')) out.dataDir = str('DOCKET_DATA_DIR');
  if (str('DOCKET_PORT')) out.port = int('DOCKET_PORT', str('DOCKET_PORT')!);
  if (str('DOCKET_HOST')) out.host = str('DOCKET_HOST');
  if (str('DOCKET_PUBLIC_URL')) out.publicUrl = str('DOCKET_PUBLIC_URL');
  if (str('DOCKET_TRACKER_URLS'))
    out.trackerUrls = str('DOCKET_TRACKER_URLS')!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (str('DOCKET_EMBEDDED_TRACKER'))
    out.embeddedTracker = bool('DOCKET_EMBEDDED_TRACKER', str('DOCKET_EMBEDDED_TRACKER')!);
  if (str('DOCKET_AUTH_READS'))
    out.authReads = bool('DOCKET_AUTH_READS', str('DOCKET_AUTH_READS')!);
  if (str('DOCKET_MAX_UPLOAD_BYTES'))
    out.maxUploadBytes = int('DOCKET_MAX_UPLOAD_BYTES', str('DOCKET_MAX_UPLOAD_BYTES')!);
  if (str('DOCKET_LOG_LEVEL')) out.logLevel = str('DOCKET_LOG_LEVEL');
  return out;
}

/** A JSON config file whose keys are RegistryConfig's. */
export function configFromFile(path: string): PartialConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  const known = new Set(Object.keys(DEFAULT_CONFIG).concat('publicUrl'));
  for (const key of Object.keys(doc))
    if (!known.has(key)) throw new ConfigError(`unknown key "${key}" in config file ${path}`);
  return doc as PartialConfig;
}

/** Later sources win: defaults < file < env < flags. Validates the result. */
export function resolveConfig(...sources: PartialConfig[]): RegistryConfig {
  const merged: RegistryConfig = { ...DEFAULT_CONFIG };
  for (const s of sources) {
    for (const [k, v] of Object.entries(s))
      if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  if (!Number.isInteger(merged.port) || merged.port < 0 || merged.port > 65535)
    throw new ConfigError(`port must be 0-65535, not ${merged.port}`);
  if (!Number.isSafeInteger(merged.maxUploadBytes) || merged.maxUploadBytes <= 0)
    throw new ConfigError('maxUploadBytes must be a positive integer');
  for (const url of [...merged.trackerUrls, ...(merged.publicUrl ? [merged.publicUrl] : [])]) {
    if (!URL.canParse(url)) throw new ConfigError(`invalid URL "${url}"`);
  }
  if (merged.publicUrl) merged.publicUrl = merged.publicUrl.replace(/\/+$/, '');
  return merged;
}

/** The public URL: as configured, else http://<host>:<port> (loopback for a wildcard host). */
export function publicUrlFor(config: RegistryConfig, port: number): string {
  if (config.publicUrl) return config.publicUrl;
  const wildcard = config.host === '0.0.0.0' || config.host === '::' || config.host === '';
  const host = wildcard
    ? '127.0.0.1'
    : config.host.includes(':')
      ? `[${config.host}]`
      : config.host;
  return `http://${host}:${port}`;
}

/** Announce URLs for torrents: the embedded tracker first (unless disabled), then --tracker-url. */
export function announceUrls(config: RegistryConfig, publicUrl: string): string[] {
  return [...(config.embeddedTracker ? [`${publicUrl}/announce`] : []), ...config.trackerUrls];
}

function int(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ConfigError(`${name} must be an integer, not "${value}"`);
  return n;
}

function bool(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, not "${value}"`);
}
