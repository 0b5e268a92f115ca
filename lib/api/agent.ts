/**
 * JSON bodies of `docket agent`'s own endpoints (the agent serves the read side of the OCI
 * API on localhost, plus these), shared by the agent and `docket preheat`.
 */

/** Bytes the agent received for blobs, by source (see client/services/swarm.ts TransferStats). */
export interface AgentBytes {
  fromPeers: number;
  fromRegistrySeed: number;
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
}

/** `POST /docket/v1/agent/preheat/<name>/<reference>` (200, once every blob is cached). */
export type PreheatResult = PreheatedImage;

/** `GET /docket/v1/agent` */
export interface AgentStatus {
  registry: string;
  cache: { dir: string; blobs: number; bytes: number; maxBytes: number };
  seeding: number;
  received: AgentBytes;
  /** Images preheated, oldest first (bounded). */
  preheated: PreheatedImage[];
}
