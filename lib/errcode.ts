/**
 * The wire error codes of the OCI distribution spec ("Error Codes"), plus docket's
 * own, each registered once with its HTTP status and message. lib/http's error middleware
 * is the only place that produces them (each server maps its error classes to these); the
 * CLI reads them back.
 */
export const ErrorCodes = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: {
    status: 400,
    message: 'manifest references a manifest or blob unknown to registry',
  },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'manifest tag did not match URI' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 415, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  RANGE_INVALID: { status: 416, message: 'requested range not satisfiable' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'request body larger than the configured limit' },
  ARCHIVE_INVALID: { status: 400, message: 'image archive invalid' },
  LAYER_TOO_LARGE: {
    status: 400,
    message: 'layer decompresses beyond the configured size or ratio bound',
  },
  TORRENT_UNKNOWN: { status: 404, message: 'no torrent for that blob' },
  DIRECT_DENIED: {
    status: 409,
    message: 'other hosts are pulling this blob: fetch it from the swarm',
  },
  PARAMETER_INVALID: { status: 400, message: 'query parameter invalid' },
  TOKEN_INVALID: { status: 400, message: 'token name, scope or expiry invalid' },
  TOKEN_UNKNOWN: { status: 404, message: 'no token of that name' },
  TOKEN_EXISTS: { status: 409, message: 'a token of that name exists' },
  GC_RUNNING: {
    status: 409,
    message: 'a gc is running on a registry sharing this database: try again when it is done',
  },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  UNKNOWN: { status: 500, message: 'unknown error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

/** One entry of the `{errors: [...]}` envelope. */
export interface WireError {
  code: string;
  message: string;
  detail?: unknown;
}

export interface ErrorEnvelope {
  errors: WireError[];
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ErrorCodes, code);
}

/** Reads an envelope from a response body; undefined when the body is not one. */
export function parseErrorEnvelope(body: unknown): ErrorEnvelope | undefined {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as ErrorEnvelope).errors))
    return undefined;
  const errors = (body as ErrorEnvelope).errors.filter(
    (e): e is WireError => typeof e === 'object' && e !== null && typeof e.code === 'string',
  );
  return errors.length > 0 ? { errors } : undefined;
}
