/**
 * Domain errors shared by the client and the registry. They carry no HTTP status or
 * wire code: the registry's error middleware maps them (by class) to the OCI error
 * envelope, and the CLI maps them to messages and exit codes.
 */
export class DocketError extends Error {
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class DigestInvalidError extends DocketError {}

/** Content hashed to another digest than the one it was announced with. */
export class DigestMismatchError extends DocketError {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`digest mismatch: expected ${expected}, content hashes to ${actual}`, {
      expected,
      actual,
    });
  }
}

/**
 * A blob's torrent kept failing its piece hash check (BEP 3 `pieces`) from every source
 * it had: what the swarm serves is not the blob. A DigestMismatchError for callers.
 */
export class PieceVerificationError extends DigestMismatchError {
  constructor(
    readonly digest: string,
    readonly piece: number,
    readonly failures: number,
  ) {
    super(digest, 'unknown');
    this.message = `digest mismatch: ${digest}: piece ${piece} failed verification ${failures} times, from every source`;
  }
}

/** Content had another length than the one it was announced with. */
export class SizeMismatchError extends DocketError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `size mismatch: expected ${expected} bytes, got ${actual}${actual > expected ? ' or more' : ''}`,
      {
        expected,
        actual,
      },
    );
  }
}

/**
 * No credentials, wrong credentials, or credentials without the right. The registry
 * throws it when it refuses a request (wire code UNAUTHORIZED, 401, with a challenge);
 * the client when a registry answered 401 or 403 (exit code 4).
 */
export class UnauthorizedError extends DocketError {}

/**
 * Configuration that cannot be read or is invalid: the registry's settings (it refuses
 * to start), the CLI's config file, or no registry named anywhere (exit code 11).
 */
export class ConfigError extends DocketError {}

/** A repository name, tag or reference that the OCI distribution grammar rejects. */
export class ReferenceInvalidError extends DocketError {
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`invalid reference "${reference}": ${reason}`, { reference });
  }
}

/**
 * A manifest or index that is not one (image-spec manifest.md, image-index.md): not JSON,
 * a missing or malformed field, a media type that is not a manifest type. The registry
 * answers MANIFEST_INVALID; the client reports what the registry sent as a RegistryError.
 */
export class ManifestInvalidError extends DocketError {}

export type ArchiveProblem =
  | 'no-manifest'
  | 'missing-entry'
  | 'unsafe-path'
  | 'unsafe-link'
  | 'truncated'
  | 'not-a-tar'
  | 'digest-mismatch'
  | 'metadata-too-large'
  | 'invalid-json'
  | 'invalid-manifest'
  | 'unsupported-layout'
  | 'gunzip-limit';

/** An image archive (docker save / OCI layout tarball) that cannot be read. */
export class ArchiveError extends DocketError {
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
    detail?: unknown,
  ) {
    super(message, detail);
  }
}

/**
 * A gzip stream that expands beyond the bounds it is read with (uncompressed bytes, or
 * uncompressed per compressed byte): a decompression bomb, or a layer larger than allowed.
 */
export class GunzipLimitError extends ArchiveError {
  constructor(
    readonly path: string,
    readonly limit: { maxBytes: number; maxRatio: number },
    readonly read: { compressed: number; uncompressed: number },
  ) {
    super(
      'gunzip-limit',
      `"${path}" expands beyond the bounds (${read.uncompressed} bytes from ${read.compressed}; at most ${limit.maxBytes} bytes, ratio ${limit.maxRatio})`,
      { path, ...limit, ...read },
    );
  }
}
