import { chainIds } from '../../lib/archive/chain-id.js';
import type { ReferrersFetched } from '../../lib/api/index.js';
import type { Digest } from '../../lib/digest.js';
import type { DockerEngine } from '../docker-engine.js';
import type { BlobProgress } from '../fetch/blob-fetcher.js';
import { feedsEngine, pullThroughEngine } from './engine-pull.js';
import { readFileBody, startFetches } from './layer-fetches.js';
import { loadLayerByLayer } from './load-layers.js';
import type { RegistryClient } from '../registry-client.js';
import type { Platform } from '../../lib/manifest/index.js';
import { pullReferrers } from './referrers.js';
import { presentBottomLayers, resolveImage } from './resolve-image.js';
import type { Peer, TorrentBlob, TransferStats } from '../p2p/peer.js';

export interface PullDeps {
  engine: DockerEngine;
  registry: RegistryClient;
  peer: Peer;
  /** Blobs downloaded at once. */
  concurrency: number;
  /** Ask the registry for a direct (HTTP) download of each torrent blob first. */
  direct?: boolean;
  /**
   * Let a local engine `docker pull` the layers from a feed on 127.0.0.1 (engine-pull.ts)
   * when it fits; false: always load them layer by layer. Default true.
   */
  engineFeed?: boolean;
  signal: AbortSignal;
  onProgress?(event: PullEvent): void;
}

export type LayerState = 'present' | BlobProgress['state'];

export type PullEvent =
  | {
      kind: 'layer';
      index: number;
      digest: Digest;
      size: number;
      state: LayerState;
      downloaded: number;
      peers: number;
      stats: TransferStats;
    }
  | { kind: 'loading'; omitLayers: number }
  | { kind: 'loaded'; imageId: string };

export interface PullTarget {
  repository: string;
  /** Tag or manifest digest. */
  reference: string;
  /** `repo:tag` names the image gets in the engine after a successful load. */
  localTags: Array<{ repo: string; tag: string }>;
  /** The image of a multi-arch index to pull (`--platform`); default: the engine's. */
  platform?: Platform;
  /**
   * Also fetch the referrers (signatures, SBOMs) of the image and of its index into the
   * blob cache (`--with-referrers`), for verifying them offline.
   */
  withReferrers?: boolean;
}

/** What `docket pull --json-summary` prints. */
export interface PullSummary {
  repository: string;
  reference: string;
  manifestDigest: Digest;
  imageId: string;
  tags: string[];
  layers: number;
  /** Bottom layers the engine already had (not fetched, left out of the load). */
  layersPresent: number;
  layersFromCache: number;
  layersDownloaded: number;
  bytes: TransferStats & { fromCache: number; total: number };
  /** With `withReferrers`: the referrers' manifests and blobs now in the cache. */
  referrers?: ReferrersFetched;
  seconds: number;
}

/**
 * Pulls `target` into the engine: resolves the manifest and config, finds the
 * bottom layers the engine already has (chain IDs), fetches the other blobs through one
 * BlobFetcher (client/fetch/blob-fetcher.ts: cache, HTTP, direct, swarm), and loads the missing layers one by one
 * (load-layers.ts): each goes into the engine as soon as it is verified and the layers
 * below it are in, so the engine extracts layer 1 while layer 3 still downloads. The image is tagged only after the engine
 * reports a successful load. A failed fetch aborts the load and is what the pull rejects
 * with. With `withReferrers`, the image's referrers are fetched alongside (referrers.ts);
 * their failure fails the pull, after the image is loaded and tagged. Resolves with the
 * summary and the blobs fetched by torrent (for seeding).
 */
export async function pullImage(
  deps: PullDeps,
  target: PullTarget,
): Promise<{ summary: PullSummary; blobs: TorrentBlob[] }> {
  const started = performance.now();
  const image = await resolveImage(
    deps.registry,
    target.repository,
    target.reference,
    target.platform,
    target.platform !== undefined,
  );
  const n = image.manifest.layers.length;
  const existing = await deps.engine.inspectImage(image.configDigest);
  const present = existing ? n : await countPresentLayers(deps.engine, image.diffIds);
  const viaEngine =
    !existing && deps.engineFeed !== false && feedsEngine(deps, target, image, present);
  const fetches = startFetches(deps, target.repository, image, present);
  const referrers = target.withReferrers
    ? pullReferrers(
        { ...deps, direct: deps.direct === true },
        target.repository,
        [image.indexDigest, image.manifestDigest].filter((d): d is Digest => d !== undefined),
      )
    : undefined;
  // Observed below, once the image is in.
  referrers?.catch(() => {});
  let imageId = existing?.id ?? image.configDigest;
  if (!existing) {
    // The engine's own pull may ask for the bottom layers it has (it knows the blob digests
    // only of layers it pulled itself): those are fetched when asked for.
    const layerFile = async (i: number) =>
      (await (i < present ? fetches.present(i) : fetches.layer(i))).path;
    const layerBody = (i: number) =>
      i < present ? layerFile(i).then(readFileBody) : fetches.body(i);
    // The engine's pull stops with the pull, or as soon as a layer fails to download.
    const stop = new AbortController();
    const stopOnAbort = () => stop.abort(deps.signal.reason);
    deps.signal.addEventListener('abort', stopOnAbort, { once: true });
    fetches.all.catch((err: unknown) => stop.abort(err));
    const loadDeps = { engine: deps.engine, signal: stop.signal };
    const loading = (
      viaEngine
        ? pullThroughEngine(loadDeps, target, image, layerBody).then(
            (id) => id ?? loadLayerByLayer(loadDeps, image, present, layerFile),
          )
        : loadLayerByLayer(loadDeps, image, present, layerFile)
    ).then((id) => {
      deps.onProgress?.({ kind: 'loaded', imageId: id });
      return id;
    });
    // The engine has been reading layers all along; from here on it only finishes the load.
    void fetches.all.then(
      () => deps.onProgress?.({ kind: 'loading', omitLayers: present }),
      () => {},
    );
    // A fetch that failed also broke the load: report the fetch's error, not the engine's.
    const [fetched, loaded] = await Promise.allSettled([fetches.all, loading]);
    deps.signal.removeEventListener('abort', stopOnAbort);
    if (fetched.status === 'rejected') throw fetched.reason;
    if (loaded.status === 'rejected') throw loaded.reason;
    imageId = loaded.value;
  }
  const fetched = await fetches.all;
  for (const { repo, tag } of target.localTags) await deps.engine.tagImage(imageId, repo, tag);
  const withReferrers = await referrers;
  return {
    summary: {
      repository: target.repository,
      reference: target.reference,
      manifestDigest: image.manifestDigest,
      imageId,
      tags: target.localTags.map((t) => `${t.repo}:${t.tag}`),
      layers: n,
      layersPresent: present,
      layersFromCache: fetched.filter((f) => f.fromCache).length,
      layersDownloaded: fetched.filter((f) => !f.fromCache).length,
      bytes: fetches.bytes(),
      ...(withReferrers ? { referrers: withReferrers.fetched } : {}),
      seconds: (performance.now() - started) / 1000,
    },
    blobs: [
      ...fetched.flatMap((f) => (f.torrent ? [f.torrent] : [])),
      ...(withReferrers?.blobs ?? []),
    ],
  };
}

async function countPresentLayers(engine: DockerEngine, diffIds: Digest[]): Promise<number> {
  const engineChains = new Set<string>();
  for (const list of await engine.listLayerLists())
    for (const c of chainIds(list)) engineChains.add(c);
  return presentBottomLayers(chainIds(diffIds), engineChains);
}
