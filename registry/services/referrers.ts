import type { Digest } from '../../lib/digest.js';
import type { Descriptor, ImageIndex } from '../../lib/manifest/index.js';
import { MediaType } from '../../lib/media-types.js';
import type { Metadata } from '../metadata/metadata.js';

/** Referrers listed per answer when the client asks for no `n`, and at most when it does. */
export const REFERRERS_PAGE_SIZE = 256;

export interface ReferrersPage {
  /** The image index of this page's referrers (distribution-spec v1.1 "Listing Referrers"). */
  index: ImageIndex & { mediaType: string };
  /** The `last` to ask for the next page with; undefined on the last page. */
  next?: Digest;
}

/**
 * The referrers of a manifest: the manifests a repository holds whose `subject` is that
 * digest, recorded at put (metadata `manifest_subjects`). The subject need not exist, and
 * a digest nothing refers to has an empty index: the API never answers 404. Pages are in
 * digest order, at most `n` (capped at REFERRERS_PAGE_SIZE) each, continued after `last`
 * (the route sends the next page's URL as an RFC 8288 Link, like tag listing).
 *
 * docket answers the referrers API itself and so never writes the spec's fallback tag
 * (`sha256-<hex>`); a client that pushes one stores it like any other tag.
 */
export class ReferrerService {
  constructor(private readonly metadata: Metadata) {}

  list(
    repository: string,
    subject: Digest,
    opts: { artifactType?: string; n?: number; last?: string } = {},
  ): ReferrersPage {
    const size = Math.min(opts.n ?? REFERRERS_PAGE_SIZE, REFERRERS_PAGE_SIZE);
    const rows =
      size === 0
        ? []
        : this.metadata.manifests.referrers(repository, subject, {
            ...(opts.artifactType !== undefined ? { artifactType: opts.artifactType } : {}),
            limit: size + 1,
            ...(opts.last !== undefined ? { last: opts.last } : {}),
          });
    const items = rows.slice(0, size);
    const manifests: Descriptor[] = items.map((r) => ({
      mediaType: r.mediaType,
      digest: r.digest,
      size: r.size,
      ...(r.artifactType !== null ? { artifactType: r.artifactType } : {}),
      ...(r.annotations ? { annotations: r.annotations } : {}),
    }));
    const index = { schemaVersion: 2 as const, mediaType: MediaType.ociIndex, manifests };
    return rows.length > size ? { index, next: items[items.length - 1]!.digest } : { index };
  }
}
