import { Readable } from 'node:stream';
import type { ReferrersFetched } from '../../lib/api/index.js';
import { type Digest, parseDigest } from '../../lib/digest.js';
import { type Descriptor, isForeignLayer } from '../../lib/manifest/index.js';
import { BlobFetcher } from '../fetch/blob-fetcher.js';
import type { CachePeer } from '../p2p/cache-peer.js';
import type { TorrentBlob } from '../p2p/peer.js';
import type { FetchedManifest, RegistryClient } from '../registry-client.js';
import { mapLimit } from './map-limit.js';
import { readManifest } from './resolve-image.js';

/** One manifest whose `subject` is an image (OCI 1.1 referrers): a signature, an SBOM. */
export interface Referrer {
  /** The manifest it refers to. */
  subject: Digest;
  digest: Digest;
  mediaType: string;
  /** The referrers list's `artifactType` (the manifest's, else its config's media type). */
  artifactType: string | null;
  /** Of the referrer's manifest. */
  size: number;
  /** The manifest's annotations, e.g. `org.opencontainers.image.created`. */
  annotations: Record<string, string>;
}

/**
 * Referrers of referrers are followed this deep (1: the image's own; 2: also, say, the
 * signature of its SBOM).
 */
export const MAX_REFERRER_DEPTH = 2;

/** The referrers of each of `subjects` (duplicates asked once), in the registry's order. */
export async function listReferrers(
  registry: Pick<RegistryClient, 'getReferrers'>,
  name: string,
  subjects: readonly Digest[],
): Promise<Referrer[]> {
  const lists = await Promise.all(
    [...new Set(subjects)].map(async (subject) =>
      (await registry.getReferrers(name, subject)).map((d) => referrer(subject, d)),
    ),
  );
  return lists.flat();
}

export interface ReferrerFetchDeps {
  registry: Pick<RegistryClient, 'getReferrers' | 'getManifest'>;
  /** Manifests and blobs fetched at once. */
  concurrency: number;
  /** Keeps a referrer's manifest (verified against its digest by getManifest). */
  keepManifest(manifest: FetchedManifest, size: number): Promise<void>;
  /** Fetches one blob of a referrer into the cache. */
  fetchBlob(blob: { digest: Digest; size: number }): Promise<void>;
}

/**
 * Fetches the referrers of `subjects` (and theirs, MAX_REFERRER_DEPTH levels): each
 * referrer's manifest, validated and handed to `keepManifest`, then the config and layers
 * it names (not foreign layers) through `fetchBlob`, each blob once. Throws the
 * RegistryClient's errors, RegistryError MANIFEST_INVALID, and what the two hooks throw.
 */
export async function fetchReferrers(
  deps: ReferrerFetchDeps,
  name: string,
  subjects: readonly Digest[],
): Promise<ReferrersFetched & { referrers: Referrer[] }> {
  const seenManifests = new Set<string>(subjects);
  const seenBlobs = new Set<string>();
  const counts: ReferrersFetched = { manifests: 0, blobs: 0, bytes: 0 };
  const referrers: Referrer[] = [];
  let level = [...seenManifests] as Digest[];
  for (let depth = 0; depth < MAX_REFERRER_DEPTH && level.length > 0; depth++) {
    const found = (await listReferrers(deps.registry, name, level)).filter((r) =>
      firstSeen(seenManifests, r.digest),
    );
    referrers.push(...found);
    const named = await mapLimit(found, deps.concurrency, async (r) => {
      const fetched = await deps.registry.getManifest(name, r.digest);
      const blobs = blobsOf(readManifest(fetched, name, r.digest));
      await deps.keepManifest(fetched, r.size);
      counts.manifests++;
      counts.bytes += fetched.body.length;
      return blobs;
    });
    const blobs = named.flat().filter((b) => firstSeen(seenBlobs, b.digest));
    await mapLimit(blobs, deps.concurrency, async (b) => {
      await deps.fetchBlob(b);
      counts.blobs++;
      counts.bytes += b.size;
    });
    level = found.map((r) => r.digest);
  }
  return { ...counts, referrers };
}

export interface PullReferrersDeps {
  registry: RegistryClient;
  peer: CachePeer;
  concurrency: number;
  /** Ask the registry for a direct (HTTP) download of each torrent blob first. */
  direct: boolean;
  signal: AbortSignal;
}

/**
 * `docket pull --with-referrers`: the referrers of `subjects` into the host's blob cache,
 * so the host can verify them offline. Manifests go in keyed by their digest (they are
 * content-addressed, like blobs); blobs come through a BlobFetcher (the cache, HTTP for
 * small ones, the swarm), those fetched as torrents returned to be seeded.
 */
export async function pullReferrers(
  deps: PullReferrersDeps,
  repository: string,
  subjects: readonly Digest[],
): Promise<{ fetched: ReferrersFetched; blobs: TorrentBlob[] }> {
  const fetcher = new BlobFetcher({
    registry: deps.registry,
    peer: deps.peer,
    direct: deps.direct,
    torrentOfCached: true,
    signal: deps.signal,
  });
  const torrents: TorrentBlob[] = [];
  const { referrers: _, ...fetched } = await fetchReferrers(
    {
      registry: deps.registry,
      concurrency: deps.concurrency,
      keepManifest: (m, size) => cacheManifest(deps.peer, m, size),
      fetchBlob: async ({ digest, size }) => {
        const blob = await fetcher.fetch({ repository, digest, size });
        if (blob.torrent) torrents.push(blob.torrent);
      },
    },
    repository,
    subjects,
  );
  return { fetched, blobs: torrents };
}

/** Puts a manifest into a blob cache under its digest, unless it is there. */
export async function cacheManifest(
  peer: Pick<CachePeer, 'cached' | 'store'>,
  manifest: FetchedManifest,
  size: number,
): Promise<void> {
  if (await peer.cached(manifest.digest, size)) return;
  await peer.store(manifest.digest, size, Readable.from(manifest.body));
}

function referrer(subject: Digest, d: Descriptor): Referrer {
  return {
    subject,
    digest: parseDigest(d.digest),
    mediaType: d.mediaType,
    artifactType: d.artifactType ?? null,
    size: d.size,
    annotations: d.annotations ?? {},
  };
}

function blobsOf(parsed: ReturnType<typeof readManifest>): { digest: Digest; size: number }[] {
  if (parsed.kind !== 'image') return [];
  const { config, layers } = parsed.manifest;
  return [config, ...layers.filter((l) => !isForeignLayer(l))].map((d) => ({
    digest: parseDigest(d.digest),
    size: d.size,
  }));
}

function firstSeen(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}
