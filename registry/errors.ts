import { DocketError, ReferenceInvalidError } from '../lib/errors.js';

/**
 * Registry domain errors. Services and stores throw these; only the HTTP error
 * middleware (lib/http, with the mapping in http/errors.ts) turns them into OCI wire codes.
 */

export class BlobUnknownError extends DocketError {
  constructor(readonly digest: string) {
    super(`blob ${digest} unknown`, { digest });
  }
}

export class UploadUnknownError extends DocketError {
  constructor(readonly id: string) {
    super(`upload ${id} unknown`, { id });
  }
}

/** An upload request that is malformed (bad Content-Range, missing digest...). */
export class UploadInvalidError extends DocketError {}

/** A chunk that does not start where the upload ends (distribution-spec: 416). */
export class UploadOutOfOrderError extends DocketError {
  constructor(
    readonly offset: number,
    readonly start: number,
  ) {
    super(`chunk starts at ${start} but the upload holds ${offset} bytes`, { offset, start });
  }
}

export class ManifestUnknownError extends DocketError {
  /** `why` replaces the default `manifest <repository>:<reference> unknown`. */
  constructor(
    readonly repository: string,
    readonly reference: string,
    why?: string,
  ) {
    super(why ?? `manifest ${repository}:${reference} unknown`, { name: repository, reference });
  }
}

export { ManifestInvalidError } from '../lib/errors.js';

/** A manifest naming a blob or (for an index) a manifest the registry does not hold. */
export class ManifestBlobUnknownError extends DocketError {
  constructor(readonly digest: string) {
    super(`manifest references unknown ${digest}`, { digest });
  }
}

export class NameUnknownError extends DocketError {
  constructor(readonly repository: string) {
    super(`repository ${repository} unknown`, { name: repository });
  }
}

/** A tag the grammar rejects (TAG_INVALID rather than NAME_INVALID on the wire). */
export class TagInvalidError extends ReferenceInvalidError {}

export class PayloadTooLargeError extends DocketError {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`, { limit });
  }
}

export class UnsupportedError extends DocketError {}

/** A query parameter of a docket endpoint that does not parse (`?steps=abc`). */
export class ParameterInvalidError extends DocketError {
  constructor(
    readonly parameter: string,
    readonly value: string,
  ) {
    super(`query parameter ${parameter}="${value}" invalid`, { parameter, value });
  }
}

/**
 * DELETE of a blob a stored manifest still names: blobs are shared by every repository,
 * so it would break images. Delete the manifests, then run gc (distribution-spec
 * "Deleting blobs" allows 405 UNSUPPORTED).
 */
export class BlobInUseError extends UnsupportedError {
  constructor(readonly digest: string) {
    super(`blob ${digest} is named by a stored manifest: delete the manifests, then run gc`, {
      digest,
    });
  }
}

/**
 * A gc asked for while a registry sharing the database (a replica) runs one: gc runs on
 * one registry at a time (GcService's database lock).
 */
export class GcRunningError extends DocketError {
  constructor() {
    super('a gc is running on another registry sharing this database: try again when it is done');
  }
}

export class TorrentUnknownError extends DocketError {
  constructor(readonly digest: string) {
    super(`no torrent for ${digest}`, { digest });
  }
}

/** A signed blob URL whose signature the registry did not make (or made for another blob). */
export class SignatureInvalidError extends DocketError {
  constructor(readonly digest: string) {
    super(`invalid signature for ${digest}`, { digest });
  }
}

/**
 * A direct (HTTP) download refused because other hosts pull or hold the blob: the swarm
 * serves it with less of the registry's bandwidth (services/direct-gate.ts).
 */
export class DirectDeniedError extends DocketError {
  constructor(readonly digest: string) {
    super(`other hosts are pulling ${digest}: fetch it from the swarm`, { digest });
  }
}

/**
 * A valid token without the scope a request needs (lib/api/scopes.ts): 403 DENIED, no
 * challenge (other credentials would not be asked for).
 */
export class AccessDeniedError extends DocketError {
  constructor(readonly needed: string) {
    super(`token lacks the scope ${needed}`, { needed });
  }
}

/** A token name, scope or expiry the tokens API rejects. */
export class TokenInvalidError extends DocketError {}

export class TokenUnknownError extends DocketError {
  constructor(readonly tokenName: string) {
    super(`no token named "${tokenName}"`, { name: tokenName });
  }
}

export class TokenExistsError extends DocketError {
  constructor(readonly tokenName: string) {
    super(`a token named "${tokenName}" exists`, { name: tokenName });
  }
}
