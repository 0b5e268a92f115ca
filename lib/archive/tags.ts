import { formatReference, parseReference } from '../reference.js';

/**
 * A `name:tag` in the familiar form `docker load` prints: Docker Hub's `docker.io/` and
 * `docker.io/library/` prefixes dropped (skopeo's docker-archive and containerd's image
 * names carry them). Undefined for what is not a tagged reference.
 */
export function familiarTag(reference: string): string | undefined {
  try {
    const ref = parseReference(reference);
    if (ref.tag === undefined || ref.digest !== undefined) return undefined;
    if (ref.domain === 'docker.io') {
      delete ref.domain;
      if (ref.name.startsWith('library/')) ref.name = ref.name.slice('library/'.length);
    }
    return formatReference(ref);
  } catch {
    return undefined;
  }
}
