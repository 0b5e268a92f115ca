import { readFileSync } from 'node:fs';
import { ConfigError } from '../lib/errors.js';
import {
  defaultsOf,
  InvalidValueError,
  type KeyTable,
  key,
  UnknownKeyError,
  valuesFromEnv,
  valuesFromFile,
} from '../lib/config-keys.js';
import { DATABASE_URL_FORMS, DatabaseUrlError, parseDatabaseUrl } from './metadata/database-url.js';
import { parseStorageUrl, STORAGE_URL_FORMS, StorageUrlError } from './storage/storage-url.js';

/** Everything `docket registry` can be told. */
export interface RegistryConfig {
  /** Blobs, the SQLite file and the admin token live here. */
  dataDir: string;
  /**
   * Where blobs and upload sessions live: a directory, or an S3-compatible bucket
   * `s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION]` (storage/storage-url.ts);
   * `<dataDir>/blobs` when unset.
   */
  storage?: string;
  /**
   * Where tags, manifests, history, tokens and gc state live: a PostgreSQL database
   * `postgres://USER:PASSWORD@HOST[:PORT]/DATABASE` (metadata/database-url.ts);
   * the SQLite file `<dataDir>/docket.db` when unset.
   */
  database?: string;
  /** With S3 storage: bytes of the local cache of blob files the seeder reads pieces from. */
  storageCacheSize: number;
  port: number;
  host: string;
  /** Base URL clients reach the registry at (torrents' web seed and tracker URLs); derived when unset. */
  publicUrl?: string;
  /** Extra trackers written into every torrent, after the embedded one. */
  trackerUrls: string[];
  /** Serve /announce and /scrape and list `<publicUrl>/announce` in torrents. */
  embeddedTracker: boolean;
  /**
   * Require a token for reads as well as writes, over BitTorrent too: passkeys in announce
   * URLs, signed web seed URLs, a seeder that serves only peers that announced with a passkey.
   */
  authReads: boolean;
  /** How long the signed web seed URL of a private registry's torrent stays valid. */
  signedUrlTtlSeconds: number;
  /** Peers one address may have in a swarm of the embedded tracker. */
  maxPeersPerIp: number;
  /** Largest blob upload or image archive accepted. */
  maxUploadBytes: number;
  /** An upload session idle for longer than this is dropped, with its bytes. */
  uploadTtlMs: number;
  /** Bounds on gunzipping a layer (tarball import, diff_id of a pushed layer). */
  maxLayerBytes: number;
  maxGzipRatio: number;
  /** How long the seeder keeps an idle torrent, and how many at most. */
  seedIdleMs: number;
  seedMaxActive: number;
  /** The seed offers each peer a few pieces at a time, each first copy to another peer. */
  rationPieces: boolean;
  /** A lone puller may take a blob over plain HTTP (services/direct-gate.ts). */
  directDownloads: boolean;
  /**
   * Egress cap in bytes per second (0: none): the seeder's BitTorrent uploads and the blob
   * bytes served over HTTP (web seed, direct downloads, /v2 blob GETs) share it.
   */
  maxUploadRate: number;
  /** gc keeps manifests and blobs pushed or reused within this many seconds. */
  gcGraceSeconds: number;
  /** Run gc every this many seconds (0: only when asked, `docket gc`). */
  gcIntervalSeconds: number;
  /** Registry events are POSTed to each of these (Distribution's notification envelope). */
  webhookUrls: string[];
  /** Tries per webhook batch, and the wait before the first retry (doubled each time). */
  webhookAttempts: number;
  webhookBackoffMs: number;
  /**
   * When set, every webhook body is signed: `X-Docket-Signature: sha256=<hex>`, the
   * HMAC-SHA256 of the body under this secret, for the receiver to check.
   */
  webhookSecret?: string;
  logLevel: string;
}

/**
 * Every RegistryConfig key, once: flag (`docket registry --port`), environment variable
 * (`DOCKET_PORT`), parser, default and help line. The JSON config file uses the field names;
 * its values go through the same parsers (`"gcGraceSeconds": "2h"`, `"authReads": "no"`).
 */
export const REGISTRY_KEYS: KeyTable<RegistryConfig> = {
  dataDir: key.string({
    flag: '--data-dir',
    env: 'DOCKET_DATA_DIR',
    description: 'data directory',
    default: './docket-data',
  }),
  storage: {
    kind: 'string',
    flag: '--storage',
    env: 'DOCKET_STORAGE',
    description:
      'where blobs live: a directory, or s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION] (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
    default: undefined,
    defaultText: '<data dir>/blobs',
    parse: (text, source) => {
      try {
        parseStorageUrl(text);
      } catch (err) {
        if (err instanceof StorageUrlError)
          throw new InvalidValueError(source, text, `${STORAGE_URL_FORMS} (${err.why})`);
        throw err;
      }
      return text;
    },
  },
  database: {
    kind: 'string',
    flag: '--database',
    env: 'DOCKET_DATABASE',
    description:
      'where metadata lives (tags, manifests, tokens): postgres://USER:PASSWORD@HOST[:PORT]/DATABASE',
    default: undefined,
    defaultText: '<data dir>/docket.db (SQLite)',
    parse: (text, source) => {
      try {
        parseDatabaseUrl(text);
      } catch (err) {
        if (err instanceof DatabaseUrlError)
          throw new InvalidValueError(source, err.url, `${DATABASE_URL_FORMS} (${err.why})`);
        throw err;
      }
      return text;
    },
  },
  storageCacheSize: key.size({
    flag: '--storage-cache-size',
    env: 'DOCKET_STORAGE_CACHE_SIZE',
    description:
      'with s3:// storage: local cache of the blobs the seeder seeds, least recently used evicted',
    default: 10 * 1024 ** 3,
  }),
  port: key.port({
    flag: '--port',
    env: 'DOCKET_PORT',
    description: 'port to listen on (0: any)',
    default: 5000,
  }),
  host: key.string({
    flag: '--host',
    env: 'DOCKET_HOST',
    description: 'address to bind',
    default: '0.0.0.0',
  }),
  publicUrl: key.string<string | undefined>({
    flag: '--public-url',
    env: 'DOCKET_PUBLIC_URL',
    description: 'URL peers reach this registry at (default http://<host>:<port>)',
    default: undefined,
  }),
  trackerUrls: key.list({
    flag: '--tracker-url',
    env: 'DOCKET_TRACKER_URLS',
    description: 'extra tracker announce URL for every torrent (repeatable)',
    default: [],
  }),
  embeddedTracker: key.boolean({
    flag: '--embedded-tracker',
    env: 'DOCKET_EMBEDDED_TRACKER',
    description: 'serve /announce and list it in torrents (--no-embedded-tracker: off)',
    default: true,
  }),
  authReads: key.boolean({
    flag: '--auth-reads',
    env: 'DOCKET_AUTH_READS',
    description:
      'require a token for reads too, over BitTorrent as well (passkeys in announce URLs, signed web seed URLs)',
    default: false,
  }),
  signedUrlTtlSeconds: key.duration({
    env: 'DOCKET_SIGNED_URL_TTL_SECONDS',
    description: "with --auth-reads: how long a served torrent's signed web seed URL stays valid",
    default: 3600,
    unit: 's',
    whole: true,
  }),
  maxPeersPerIp: key.integer({
    env: 'DOCKET_MAX_PEERS_PER_IP',
    description: 'peers one address may have in a swarm of the embedded tracker',
    default: 32,
    min: 1,
  }),
  maxUploadBytes: key.integer({
    flag: '--max-upload-bytes',
    env: 'DOCKET_MAX_UPLOAD_BYTES',
    description: 'largest blob upload or image archive accepted, in bytes',
    default: 10 * 1024 ** 3,
  }),
  uploadTtlMs: key.duration({
    flag: '--upload-ttl-ms',
    env: 'DOCKET_UPLOAD_TTL_MS',
    description: 'how long an idle blob upload session is kept',
    default: 60 * 60_000,
    unit: 'ms',
    whole: true,
  }),
  maxLayerBytes: key.integer({
    flag: '--max-layer-bytes',
    env: 'DOCKET_MAX_LAYER_BYTES',
    description: 'largest uncompressed layer the registry gunzips, in bytes',
    default: 32 * 1024 ** 3,
    min: 1,
  }),
  maxGzipRatio: key.integer({
    flag: '--max-gzip-ratio',
    env: 'DOCKET_MAX_GZIP_RATIO',
    description: 'largest uncompressed/compressed ratio of a layer past its first 64 MiB',
    default: 200,
    min: 1,
  }),
  seedIdleMs: key.duration({
    description: 'how long the seeder keeps an idle torrent',
    default: 5 * 60_000,
    unit: 'ms',
    whole: true,
    allowZero: true,
  }),
  seedMaxActive: key.integer({
    description: 'how many torrents the seeder keeps at most',
    default: 200,
  }),
  rationPieces: key.boolean({
    flag: '--ration-pieces',
    env: 'DOCKET_RATION_PIECES',
    description:
      'the seed hands out each piece about once and lets peers trade the rest (--no-ration-pieces: every piece to every peer)',
    default: true,
  }),
  directDownloads: key.boolean({
    flag: '--direct-downloads',
    env: 'DOCKET_DIRECT_DOWNLOADS',
    description:
      'a host alone on a blob may fetch it over plain HTTP, cut over to the swarm when another starts (--no-direct-downloads: always the swarm)',
    default: true,
  }),
  maxUploadRate: key.rate({
    flag: '--max-upload-rate',
    env: 'DOCKET_MAX_UPLOAD_RATE',
    description:
      "cap the registry's egress: the seeder's BitTorrent uploads and blobs sent over HTTP (web seed, direct and /v2 pulls) share one budget",
    default: 0,
  }),
  gcGraceSeconds: key.duration({
    flag: '--gc-grace',
    env: 'DOCKET_GC_GRACE',
    description: 'gc keeps what was pushed or reused within this long',
    default: 3600,
    unit: 's',
    allowZero: true,
  }),
  gcIntervalSeconds: key.duration({
    flag: '--gc-interval',
    env: 'DOCKET_GC_INTERVAL',
    description: 'run gc this often (0: only on `docket gc`)',
    default: 0,
    unit: 's',
    allowZero: true,
  }),
  webhookUrls: key.list({
    flag: '--webhook',
    env: 'DOCKET_WEBHOOK_URLS',
    description: 'POST registry events (push, delete) as JSON to this URL (repeatable)',
    default: [],
  }),
  webhookAttempts: key.integer({
    env: 'DOCKET_WEBHOOK_ATTEMPTS',
    description: 'tries per webhook delivery before it is dropped',
    default: 6,
    min: 1,
  }),
  webhookBackoffMs: key.duration({
    env: 'DOCKET_WEBHOOK_BACKOFF_MS',
    description: 'wait before the first webhook retry (doubled each retry)',
    default: 1000,
    unit: 'ms',
    whole: true,
  }),
  webhookSecret: key.string<string | undefined>({
    flag: '--webhook-secret',
    env: 'DOCKET_WEBHOOK_SECRET',
    description:
      'sign each webhook body: X-Docket-Signature: sha256=<HMAC-SHA256 of the body under this secret>',
    default: undefined,
  }),
  logLevel: key.string({
    env: 'DOCKET_LOG_LEVEL',
    description: 'pino log level',
    default: 'info',
  }),
};

/** The JSON config file of the registry: `--config`, else $DOCKET_REGISTRY_CONFIG. */
export const CONFIG_FILE_KEY = key.string<string | undefined>({
  flag: '--config',
  env: 'DOCKET_REGISTRY_CONFIG',
  description: 'JSON config file',
  default: undefined,
});

export const DEFAULT_CONFIG: RegistryConfig = defaultsOf(REGISTRY_KEYS);

export { ConfigError };

export type PartialConfig = Partial<RegistryConfig>;

/** DOCKET_* environment variables, read as a partial config. Throws ConfigError naming the variable. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): PartialConfig {
  return asConfigError(() => valuesFromEnv(REGISTRY_KEYS, env));
}

/**
 * A JSON config file whose keys are RegistryConfig's, each value parsed by its key.
 * Throws ConfigError naming the file and the key.
 */
export function configFromFile(path: string): PartialConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  const object = doc as Record<string, unknown>;
  return asConfigError(() => valuesFromFile(REGISTRY_KEYS, object, `config file ${path}`));
}

function asConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof InvalidValueError || err instanceof UnknownKeyError)
      throw new ConfigError(err.message);
    throw err;
  }
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
  for (const url of [
    ...merged.trackerUrls,
    ...merged.webhookUrls,
    ...(merged.publicUrl ? [merged.publicUrl] : []),
  ]) {
    if (!URL.canParse(url)) throw new ConfigError(`invalid URL "${url}"`);
  }
  if (merged.publicUrl) merged.publicUrl = merged.publicUrl.replace(/\/+$/, '');
  return merged;
}

/**
 * The registry's settings: `flags`, else the DOCKET_* variables of `env`, else the JSON
 * config file (`configFile`, else $DOCKET_REGISTRY_CONFIG), else defaults. Throws ConfigError.
 */
export function loadConfig(
  flags: PartialConfig,
  env: Readonly<Record<string, string | undefined>>,
  configFile?: string,
): RegistryConfig {
  const file = configFile ?? (env[CONFIG_FILE_KEY.env as string] || undefined);
  return resolveConfig(file ? configFromFile(file) : {}, configFromEnv(env), flags);
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
