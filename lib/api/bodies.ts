/**
 * JSON bodies of docket's own endpoints (`/docket/v1/...`), shared by the registry that
 * writes them and the client and tracker that read them, so the two sides cannot drift.
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

/** One image stored by a tarball import. */
export interface ImportedImageSummary {
  manifestDigest: string;
  configDigest: string;
  /** `name:tag` for every tag the import set. */
  tags: string[];
  layers: { digest: string; size: number; diffId: string }[];
}

/** `POST /docket/v1/images` (201) */
export interface ImportResult {
  images: ImportedImageSummary[];
}

/** `GET /docket/v1/images/<name>/<tag>/history`: every push of the tag, newest first. */
export interface TagHistory {
  repository: string;
  tag: string;
  history: { digest: string; pushedAt: string; pushedBy: string | null }[];
}

/** `GET /docket/v1/layers/<diffId>`: a compressed layer the registry stores for that diffId. */
export interface LayerLookup {
  digest: string;
  size: number;
  mediaType: string;
}

/** `GET /docket/v1/infohashes`: the BEP 3 infohash (40 hex) of every blob's torrent. */
export interface InfoHashList {
  infoHashes: string[];
}

const INFO_HASH_RE = /^[0-9a-f]{40}$/i;

/**
 * Reads an InfoHashList body: the infohashes, lower-cased; entries that are not 40 hex
 * characters are skipped. Undefined when the body has no `infoHashes` array.
 */
export function parseInfoHashList(body: unknown): string[] | undefined {
  const list = (body as Partial<InfoHashList> | null | undefined)?.infoHashes;
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const h of list as unknown[]) {
    if (typeof h === 'string' && INFO_HASH_RE.test(h)) out.push(h.toLowerCase());
  }
  return out;
}
