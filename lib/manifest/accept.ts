/**
 * Content negotiation on GET (distribution-spec "Pulling manifests": the client lists
 * the media types it takes in Accept). No Accept, or a wildcard, takes anything.
 */
export function accepts(accept: readonly string[], mediaType: string): boolean {
  if (accept.length === 0) return true;
  return accept.some((a) => a === mediaType || a === '*/*' || a === 'application/*');
}

/** Splits Accept headers into bare media types. */
export function parseAccept(headers: string | string[] | undefined): string[] {
  const all = Array.isArray(headers) ? headers : headers ? [headers] : [];
  return all
    .flatMap((h) => h.split(','))
    .map((t) => t.split(';')[0]!.trim())
    .filter((t) => t.length > 0);
}
