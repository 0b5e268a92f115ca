/**
 * JSON bodies of `docket agent`'s own endpoints (the agent serves the read side of the OCI
 * API on localhost, plus these), shared by the agent and `docket preheat`.
 */

/**
 * Bytes received for blobs, by where they came from: one download's, a pull's, the agent's
 * since it started. Raw bytes off each wire: a block received twice (endgame, two
 * connections to one peer) counts twice, so the sum can exceed the blob size slightly.
 */
export interface TransferStats {
  /** From other hosts of the swarm (peer id not -DKR). */
  fromPeers: number;
  /** From the registry's own BitTorrent seed (peer id prefix -DKR). */
  fromRegistrySeed: number;
  /**
   * From the registry over HTTP: its blob URL as a BEP 19 web seed, a small blob
   * (client/fetch/blob-fetcher.ts HTTP_BLOB_MAX_BYTES) fetched whole, or a direct download.
   */
  fromWebSeed: number;
}

/** One image the agent fetched whole into its cache (by preheat). */
export interface PreheatedImage {
  repository: string;
  reference: string;
  manifestDigest: string;
  /** Blobs (configs and layers) now in the cache. */
  blobs: number;
  bytes: number;
  /** The image's referrers (signatures, SBOMs) now in the cache too. */
  referrers?: ReferrersFetched;
}

/**
 * The referrers of an image (OCI 1.1: manifests whose `subject` is it) fetched into a
 * host's blob cache: their manifests (cached by digest, like blobs) and their blobs.
 */
export interface ReferrersFetched {
  manifests: number;
  blobs: number;
  /** Of the manifests and the blobs. */
  bytes: number;
}

/** `POST /docket/v1/agent/preheat/<name>/<reference>` (200, once every blob is cached). */
export type PreheatResult = PreheatedImage;

/** `GET /docket/v1/agent` */
export interface AgentStatus {
  registry: string;
  cache: { dir: string; blobs: number; bytes: number; maxBytes: number };
  seeding: number;
  received: TransferStats;
  /** Images preheated, oldest first (bounded). */
  preheated: PreheatedImage[];
}
