import { ReferenceInvalidError } from './errors.js';
import { type Digest, isDigest } from './digest.js';

// OCI distribution-spec, "Pulling manifests": <name> and <reference> grammar.
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
// docker/distribution reference grammar: a domain is a hostname (optionally with a port).
const DOMAIN_RE =
  /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const MAX_NAME_LENGTH = 255;

export const DEFAULT_TAG = 'latest';

/** A parsed `[domain/]name[:tag][@digest]`. */
export interface Reference {
  /** Registry host[:port] when the reference named one, e.g. `127.0.0.1:5000`. */
  domain?: string;
  /** Repository name, without the domain: `library/app`, `team/app`. */
  name: string;
  tag?: string;
  digest?: Digest;
}

/** Throws ReferenceInvalidError unless `name` is a valid repository name. */
export function parseName(name: string): string {
  if (name.length > MAX_NAME_LENGTH) {
    throw new ReferenceInvalidError(
      name,
      `repository name longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (!NAME_RE.test(name)) {
    throw new ReferenceInvalidError(
      name,
      'repository name must be lowercase letters, digits and separators (. _ __ -), in components joined by /',
    );
  }
  return name;
}

/** Throws ReferenceInvalidError unless `tag` is a valid tag. */
export function parseTag(tag: string): string {
  if (!TAG_RE.test(tag)) {
    throw new ReferenceInvalidError(tag, 'tag must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}');
  }
  return tag;
}

/**
 * Parses `[domain/]name[:tag][@digest]`. The first component is a domain when it
 * holds a `.` or a `:` or is `localhost` (the Docker convention).
 */
export function parseReference(input: string): Reference {
  if (input.length === 0) throw new ReferenceInvalidError(input, 'empty reference');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw new ReferenceInvalidError(input, `invalid digest "${d}"`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) {
      throw new ReferenceInvalidError(
        input,
        `invalid tag "${tag}": must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`,
      );
    }
  }
  let domain: string | undefined;
  const firstSlash = rest.indexOf('/');
  if (firstSlash !== -1) {
    const first = rest.slice(0, firstSlash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      if (!DOMAIN_RE.test(first))
        throw new ReferenceInvalidError(input, `invalid registry host "${first}"`);
      domain = first;
      rest = rest.slice(firstSlash + 1);
    }
  }
  if (rest.length > MAX_NAME_LENGTH) {
    throw new ReferenceInvalidError(
      input,
      `repository name longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (!NAME_RE.test(rest)) {
    throw new ReferenceInvalidError(
      input,
      `invalid repository name "${rest}": lowercase letters, digits and separators (. _ __ -) only`,
    );
  }
  const ref: Reference = { name: rest };
  if (domain !== undefined) ref.domain = domain;
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The reference a manifest is fetched by: the digest when given, else the tag (default latest). */
export function manifestReference(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

export function formatReference(ref: Reference): string {
  let s = ref.domain ? `${ref.domain}/${ref.name}` : ref.name;
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}
