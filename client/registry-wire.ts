/**
 * The wire types of docket's own registry endpoints (`/docket/v1/...`). The client
 * owns them; the registry imports them, so the two cannot drift apart.
 */

/** A layer of an image in `GET /docket/v1/images`. */
export interface ImageLayerSummary {
  digest: string;
  size: number;
  mediaType: string;
  diffId: string | null;
  magnet: string | null;
}

/** One `repository:tag` in `GET /docket/v1/images`. */
export interface ImageSummary {
  repository: string;
  tag: string;
  /** Manifest digest the tag points at. */
  digest: string;
  mediaType: string;
  /** Bytes of the config plus the layers as stored (compressed); for an index, its images' sum. */
  size: number;
  layerCount: number;
  /** The image config's `created` (ISO 8601), when it has one. */
  created: string | null;
  /** When the tag was last pushed (ISO 8601). */
  lastPushed: string;
  layers: ImageLayerSummary[];
}

/** `GET /docket/v1/images` */
export interface ImageList {
  images: ImageSummary[];
}

/** `GET /docket/v1/layers/<diffId>`: a compressed layer the registry stores for that diffId. */
export interface LayerLookup {
  digest: string;
  size: number;
  mediaType: string;
}

/** Response headers of the OCI distribution API that the client reads. */
export const Header = {
  contentDigest: 'docker-content-digest',
  location: 'location',
  uploadUuid: 'docker-upload-uuid',
} as const;
