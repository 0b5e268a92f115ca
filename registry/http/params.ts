import { type Digest, parseDigest } from '../../lib/digest.js';
import type { RouteMatch } from '../../lib/api/index.js';
import { parseName } from '../../lib/reference.js';

/** The repository name of a match; throws ReferenceInvalidError (NAME_INVALID). */
export function nameParam(match: RouteMatch): string {
  return parseName(match.params[0] ?? '');
}

/** A digest parameter; throws DigestInvalidError. */
export function digestParam(value: string | undefined): Digest {
  return parseDigest(value ?? '');
}
