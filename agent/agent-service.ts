import { stat } from 'node:fs/promises';
import type { AgentStatus, PreheatedImage } from '../lib/api/index.js';
import { type Digest, isDigest, parseDigest } from '../lib/digest.js';
import { ManifestInvalidError } from '../lib/errors.js';
import { type Descriptor, type ImageIndex, parseManifest } from '../lib/manifest/index.js';
import { MediaType } from '../lib/media-types.js';
import type { FetchedManifest, RegistryClient } from '../client/registry-client.js';
import { mapLimit } from '../client/services/map-limit.js';
import { cacheManifest, fetchReferrers } from '../client/services/referrers.js';
import { resolveImage } from '../client/services/resolve-image.js';
import type { AgentCache } from './agent-cache.js';
import type { BlobSource } from './blob-source.js';

export interface AgentServiceDeps {
  registry: RegistryClient;
  cache: AgentCache;
  source: BlobSource;
  /** How many blobs are being seeded now. */
  seeding(): number;
}

/** A verified blob file held for reading; `release` when done (it may be evicted after). */
export interface OpenedBlob {
  path: string;
  size: number;
  release(): void;
}

const REMEMBERED_MANIFESTS = 256;
const REMEMBERED_SIZES = 4096;
const LISTED_PREHEATS = 100;
const PREHEAT_CONCURRENCY = 4;

/**
 * The read side of the OCI distribution API for one registry, as the agent serves it:
 * manifests by tag always come from the registry (a moved tag is seen at once), by digest
 * from memory when already fetched (they are content-addressed); blobs from the agent's
 * cache, fetched into it first when missing (BlobSource). Throws the RegistryClient's
 * errors (NotFoundError, RegistryUnreachableError, UnauthorizedError, RegistryError) and
 * DigestMismatchError / SizeMismatchError for content that fails verification.
 */
export class AgentService {
  private readonly manifests = new Map<string, FetchedManifest>();
  /** Blob sizes named by the manifests served, so a blob request needs no HEAD first. */
  private readonly sizes = new Map<string, number>();
  private readonly preheated: PreheatedImage[] = [];

  constructor(private readonly deps: AgentServiceDeps) {}

  async manifest(name: string, reference: string, accept?: string): Promise<FetchedManifest> {
    if (isDigest(reference)) {
      const known = this.manifests.get(reference);
      if (known) return known;
    }
    const fetched = await this.deps.registry.getManifest(name, reference, accept);
    this.remember(fetched);
    return fetched;
  }

  /** The size of a blob: from the cache, a manifest served, else the registry (HEAD). */
  async blobSize(name: string, digest: Digest): Promise<number> {
    const cached = await stat(this.deps.cache.blobs.path(digest)).catch(() => undefined);
    if (cached) return cached.size;
    return this.sizes.get(digest) ?? (await this.deps.registry.blobSize(name, digest));
  }

  /** The blob's verified file, fetched into the cache first when it is not there. */
  async openBlob(name: string, digest: Digest): Promise<OpenedBlob> {
    const release = this.deps.cache.pin(digest);
    try {
      const size = await this.blobSize(name, digest);
      await this.deps.source.ensure(name, digest, size);
      const path = this.deps.cache.blobs.path(digest);
      return { path, size: (await stat(path)).size, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * The manifests whose `subject` is `digest` (distribution-spec v1.1 "Listing
   * Referrers"), as an OCI image index, filtered by `artifactType` when given: always
   * from the registry, whose list grows with every attached signature or SBOM.
   */
  async referrers(name: string, digest: Digest, artifactType?: string): Promise<ImageIndex> {
    const manifests = await this.deps.registry.getReferrers(name, digest, artifactType);
    return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  }

  tags(name: string): Promise<{ name: string; tags: string[] }> {
    return this.deps.registry.listTags(name);
  }

  /**
   * Fetches the host platform's image of `name:reference` (config and layers) into the
   * cache, and its referrers (signatures, SBOMs of the image and of its index): their
   * manifests into the cache by digest (and served from memory by digest), their blobs.
   */
  async preheat(name: string, reference: string): Promise<PreheatedImage> {
    const image = await resolveImage(this.deps.registry, name, reference);
    const blobs: Descriptor[] = [image.manifest.config, ...image.manifest.layers];
    const subjects = [image.indexDigest, image.manifestDigest].filter(
      (d): d is Digest => d !== undefined,
    );
    const [, referrers] = await Promise.all([
      mapLimit(blobs, PREHEAT_CONCURRENCY, (d) =>
        this.deps.source.ensure(name, parseDigest(d.digest), d.size),
      ),
      fetchReferrers(
        {
          registry: this.deps.registry,
          concurrency: PREHEAT_CONCURRENCY,
          keepManifest: (m, size) => this.keepManifest(m, size),
          fetchBlob: (b) => this.deps.source.ensure(name, b.digest, b.size),
        },
        name,
        subjects,
      ),
    ]);
    const done: PreheatedImage = {
      repository: name,
      reference,
      manifestDigest: image.manifestDigest,
      blobs: blobs.length,
      bytes: blobs.reduce((sum, d) => sum + d.size, 0),
      referrers: {
        manifests: referrers.manifests,
        blobs: referrers.blobs,
        bytes: referrers.bytes,
      },
    };
    this.preheated.push(done);
    if (this.preheated.length > LISTED_PREHEATS) this.preheated.shift();
    return done;
  }

  async status(registry: string): Promise<AgentStatus> {
    const usage = await this.deps.cache.usage();
    return {
      registry,
      cache: { dir: this.deps.cache.blobs.dir, ...usage, maxBytes: this.deps.cache.maxBytes },
      seeding: this.deps.seeding(),
      received: this.deps.source.received(),
      preheated: [...this.preheated],
    };
  }

  /** A referrer's manifest: remembered, and in the cache by its digest (pinned meanwhile). */
  private async keepManifest(m: FetchedManifest, size: number): Promise<void> {
    this.remember(m);
    const release = this.deps.cache.pin(m.digest);
    try {
      await cacheManifest(
        {
          cached: async (digest) =>
            (await this.deps.cache.blobs.has(digest))
              ? this.deps.cache.blobs.path(digest)
              : undefined,
          store: (digest, n, body) => this.deps.cache.blobs.store(digest, n, body),
        },
        m,
        size,
      );
    } finally {
      release();
    }
  }

  private remember(m: FetchedManifest): void {
    bounded(this.manifests, m.digest, m, REMEMBERED_MANIFESTS);
    for (const d of blobsOf(m)) bounded(this.sizes, d.digest, d.size, REMEMBERED_SIZES);
  }
}

/**
 * The config and layers an image manifest names; none for an index, nor for a manifest
 * that does not parse (it is still served as the registry sent it: the runtime judges it).
 */
function blobsOf(m: FetchedManifest): Descriptor[] {
  try {
    const parsed = parseManifest(m.body, m.mediaType);
    return parsed.kind === 'image' ? [parsed.manifest.config, ...parsed.manifest.layers] : [];
  } catch (err) {
    if (err instanceof ManifestInvalidError) return [];
    throw err;
  }
}

/** Sets `key` in a map that forgets its oldest entry past `max`. */
function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as string);
}
