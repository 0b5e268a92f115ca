/**
 * Where the registry keeps blobs, as `--storage` names it: a local directory (a path or
 * `file://` URL), or an S3-compatible bucket
 * `s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION]`. Credentials never appear in the
 * URL: they come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
 * profiles, instance roles).
 */
export type StorageLocation =
  | { kind: 'fs'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      /** Key prefix without leading or trailing slash; '' for the bucket's root. */
      prefix: string;
      /** http(s) URL of an S3-compatible server (Ceph RGW, MinIO); AWS when absent. */
      endpoint?: string;
      region?: string;
    };

/** A `--storage` value that names no storage docket knows. */
export class StorageUrlError extends Error {
  constructor(
    readonly url: string,
    readonly why: string,
  ) {
    super(`storage "${url}": ${why}`);
    this.name = 'StorageUrlError';
  }
}

export const STORAGE_URL_FORMS = 'a directory or s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION]';

/** S3 bucket naming rules (3-63 of a-z 0-9 . -, starting and ending alphanumeric). */
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_PARAMS = new Set(['endpoint', 'region']);

/** Parses a `--storage` value; throws StorageUrlError. */
export function parseStorageUrl(text: string): StorageLocation {
  const value = text.trim();
  if (value === '') throw new StorageUrlError(text, 'empty');
  if (value.startsWith('file://')) {
    const dir = decodeURIComponent(value.slice('file://'.length));
    if (!dir.startsWith('/'))
      throw new StorageUrlError(text, 'a file:// URL needs an absolute path');
    return { kind: 'fs', dir };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  if (scheme === undefined) return { kind: 'fs', dir: value };
  if (scheme.toLowerCase() !== 's3') throw new StorageUrlError(text, `unknown scheme "${scheme}:"`);

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StorageUrlError(text, 'not a URL');
  }
  if (url.username || url.password)
    throw new StorageUrlError(
      text,
      'credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  const bucket = url.hostname;
  if (url.port)
    throw new StorageUrlError(text, 'a bucket has no port: set ?endpoint=http://host:port');
  if (!BUCKET_RE.test(bucket))
    throw new StorageUrlError(text, `"${bucket}" is not a valid bucket name`);
  // URL resolves dot segments away: look at the text as written.
  const written = (value.slice('s3://'.length).split(/[?#]/)[0] ?? '').split('/').slice(1);
  if (written.some((s) => s === '.' || s === '..' || s === '%2e' || s === '%2e%2e'))
    throw new StorageUrlError(text, 'the prefix may not hold . or .. segments');
  const segments = decodeURIComponent(url.pathname).split('/').filter(Boolean);
  if (segments.some((s) => s === '.' || s === '..'))
    throw new StorageUrlError(text, 'the prefix may not hold . or .. segments');
  for (const name of url.searchParams.keys())
    if (!S3_PARAMS.has(name))
      throw new StorageUrlError(text, `unknown parameter "${name}" (endpoint, region)`);
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint))
    throw new StorageUrlError(text, `endpoint must be http(s)://host[:port], not "${endpoint}"`);
  const region = url.searchParams.get('region') ?? undefined;
  if (region !== undefined && !/^[a-z0-9-]+$/.test(region))
    throw new StorageUrlError(text, `"${region}" is not a region name`);
  return {
    kind: 's3',
    bucket,
    prefix: segments.join('/'),
    ...(endpoint !== undefined ? { endpoint: endpoint.replace(/\/$/, '') } : {}),
    ...(region !== undefined ? { region } : {}),
  };
}
