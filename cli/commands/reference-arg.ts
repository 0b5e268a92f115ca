import { UsageError } from 'clipanion';
import { ReferenceInvalidError } from '../../lib/errors.js';
import { DEFAULT_TAG, parseReference, type Reference } from '../../lib/reference.js';

/** Parses an IMAGE[:TAG] argument; a bad reference is the user's mistake (UsageError). */
export function parseImageArg(input: string, opts: { allowDigest: boolean }): Reference {
  let ref: Reference;
  try {
    ref = parseReference(input);
  } catch (err) {
    if (err instanceof ReferenceInvalidError) throw new UsageError(err.message);
    throw err;
  }
  if (ref.digest && !opts.allowDigest)
    throw new UsageError(`"${input}": a digest reference cannot be pushed; give a tag`);
  if (!ref.digest && !ref.tag) ref.tag = DEFAULT_TAG;
  return ref;
}

/** The registry a reference names by its domain, as a URL (loopback and plain hosts: http). */
export function registryOfDomain(ref: Reference): string | undefined {
  return ref.domain === undefined ? undefined : `http://${ref.domain}`;
}
