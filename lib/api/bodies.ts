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
  /** `os/architecture` of each image (one for a manifest, one per image for an index). */
  platforms: string[];
  /** The config blob's digest; for an index, its first image's. */
  configDigest: string | null;
  layers: ImageLayerSummary[];
}

/** A manifest a repository holds that no tag points at (`GET /docket/v1/images?all=1`). */
export interface UntaggedImageSummary extends Omit<ImageSummary, 'tag' | 'lastPushed'> {
  /** When the manifest was last pushed (ISO 8601). */
  lastPushed: string;
}

/** `GET /docket/v1/images`; `untagged` only with `?all=1`. */
export interface ImageList {
  images: ImageSummary[];
  untagged?: UntaggedImageSummary[];
}

/** One image stored by a tarball import. */
export interface ImportedImageSummary {
  manifestDigest: string;
  configDigest: string;
  /** `name:tag` for every tag the import set. */
  tags: string[];
  layers: { digest: string; size: number; diffId: string }[];
  /** The image index the tags point at, when the archive held a multi-arch image. */
  indexDigest?: string;
}

/** `POST /docket/v1/images` (201) */
export interface ImportResult {
  images: ImportedImageSummary[];
}

/** One move of a tag: a push, a rollback, or its delete (`digest`: what it pointed at). */
export interface TagHistoryEntry {
  digest: string;
  pushedAt: string;
  /** The token's name. */
  pushedBy: string | null;
  action: 'push' | 'rollback' | 'delete';
  /** Bytes of the image (config plus layers as stored); null once gc swept the manifest. */
  size: number | null;
}

/** `GET /docket/v1/images/<name>/<tag>/history`: every move of the tag, newest first. */
export interface TagHistory {
  repository: string;
  tag: string;
  history: TagHistoryEntry[];
}

/**
 * `POST /docket/v1/images/<name>/<tag>/rollback?to=<digest>` or `?steps=<n>` (200): the tag
 * now points at `to`, the manifest it pointed at `steps` moves ago (default 1; pushes and
 * rollbacks are moves, deletes are not).
 */
export interface RollbackResult {
  repository: string;
  tag: string;
  from: string | null;
  to: string;
}

/**
 * `POST /docket/v1/gc[?dryRun=1][&graceSeconds=<s>]` (200): mark what tags, their index
 * children and manifests used within the grace period (default: the registry's) reach;
 * sweep every other manifest and blob. The answer says what went (or would go).
 */
export interface GcResult {
  dryRun: boolean;
  manifests: string[];
  blobs: { digest: string; size: number }[];
  bytesFreed: number;
  /** The grace period the run applied. */
  graceSeconds: number;
  /** What no tag reaches but the grace period kept (a run with grace 0 would take it too). */
  keptByGrace: { manifests: number; blobs: number; bytes: number };
}

/** `GET /docket/v1/layers/<diffId>`: a compressed layer the registry stores for that diffId. */
export interface LayerLookup {
  digest: string;
  size: number;
  mediaType: string;
  /**
   * A repository holding the blob that the request's token may pull: where a push mounts
   * it from (a manifest names only blobs its repository holds). Absent when there is none
   * (anonymous) or from a registry older than that rule.
   */
  repository?: string;
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

/** A peer of one swarm, as it last announced to the embedded tracker. */
export interface SwarmPeer {
  /** 40 hex characters. */
  peerId: string;
  /** `ip:port` the peer announced from. */
  address: string;
  /** Bytes the peer still needs (BEP 3 `left`); 0 for a seed. */
  left: number;
  /** Bytes the peer said it downloaded and uploaded (BEP 3 `downloaded`, `uploaded`). */
  downloaded: number;
  uploaded: number;
  /** 0..1, from `left` and the blob's size. */
  progress: number;
  /** The registry's own seed (peer id prefix -DKR). */
  registry: boolean;
  /** When it last announced (ISO 8601). */
  lastAnnounce: string;
}

/** One blob's swarm in `GET /docket/v1/swarm`. */
export interface BlobSwarm {
  digest: string;
  infoHash: string;
  size: number;
  seeders: number;
  leechers: number;
  /** Peers that told the tracker they completed the download (BEP 3 `completed`). */
  completed: number;
  peers: SwarmPeer[];
  /** Bytes the registry's seed uploaded to peers. */
  registrySeedBytes: number;
  /** Bytes the registry sent as the torrent's web seed (BEP 19). */
  webSeedBytes: number;
  /** Bytes peers other than the registry said they uploaded. */
  peerBytes: number;
}

/** `GET /docket/v1/swarm`: every swarm the embedded tracker knows, and the registry's egress. */
export interface SwarmReport {
  /** When the report was made (ISO 8601). */
  at: string;
  blobs: BlobSwarm[];
  totals: {
    registrySeedBytes: number;
    webSeedBytes: number;
    peerBytes: number;
    /**
     * What a central registry would have sent: the bytes each peer (departed ones too)
     * holds of each blob, size − left; N × S once N peers have a blob of S bytes.
     */
    centralBytes: number;
    /** centralBytes minus what the registry sent (seed + web seed); never negative. */
    savedBytes: number;
  };
}

/** `GET /docket/v1/health` */
export interface HealthReport {
  version: string;
  /** Seconds since the registry started. */
  uptimeSeconds: number;
  /** Bytes of every stored blob. */
  storageBytes: number;
  blobs: number;
  /** Torrents the registry's seed is seeding. */
  activeTorrents: number;
  /** Swarms the embedded tracker knows (0 without it). */
  trackedSwarms: number;
  authReads: boolean;
}

/** One token in `GET /docket/v1/tokens` (never its secret). */
export interface TokenInfo {
  name: string;
  /** lib/api/scopes.ts: `admin`, `pull:<pattern>`, `push:<pattern>`, `delete:<pattern>`. */
  scopes: string[];
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; null when it never expires. */
  expiresAt: string | null;
  /** ISO 8601, to the minute; null when never used. */
  lastUsedAt: string | null;
}

/**
 * `GET /docket/v1/whoami`: the token the request carries. For an access token from
 * /v2/token, its docket token's name and the scopes it was granted.
 */
export interface WhoAmI {
  name: string;
  /** lib/api/scopes.ts, as in TokenInfo. */
  scopes: string[];
}

/** `POST /docket/v1/tokens` body. */
export interface TokenCreateRequest {
  name: string;
  scopes: string[];
  /** Seconds from now; absent: never expires. */
  expiresInSeconds?: number;
}

/**
 * `POST /docket/v1/tokens` and `POST /docket/v1/tokens/<name>/rotate`: the token, with its
 * secret, shown this once (the registry keeps only its sha256).
 */
export interface CreatedToken extends TokenInfo {
  token: string;
}
