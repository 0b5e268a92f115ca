import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { chainIds } from '../../lib/archive/chain-id.js';
import type { LoadLayer } from '../../lib/archive/types.js';
import { writeLoadArchive } from '../../lib/archive/writer.js';
import { type Digest, parseDigest } from '../../lib/digest.js';
import type { DockerEngine } from '../docker-engine.js';
import { EngineError, InterruptedError } from '../errors.js';
import type { RegistryClient } from '../registry-client.js';
import { mapLimit } from './map-limit.js';
import { presentBottomLayers, type ResolvedImage, resolveImage } from './resolve-image.js';
import type { Swarm, TorrentBlob, TransferStats } from './swarm.js';

export interface PullDeps {
  engine: DockerEngine;
  registry: RegistryClient;
  swarm: Swarm;
  /** Blobs downloaded at once. */
  concurrency: number;
  signal: AbortSignal;
  onProgress?(event: PullEvent): void;
}

export type LayerState = 'present' | 'cached' | 'downloading' | 'done';

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
  seconds: number;
}

const zeroStats = (): TransferStats => ({ fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 });

/**
 * Pulls `target` into the engine: resolves the manifest and config, finds the
 * bottom layers the engine already has (chain IDs), fetches the other blobs from the
 * cache or the swarm, streams a `docker load` tarball leaving the present layers out,
 * and tags the image only after the engine reports a successful load.
 * Resolves with the summary and the fetched blobs (for seeding).
 */
export async function pullImage(
  deps: PullDeps,
  target: PullTarget,
): Promise<{ summary: PullSummary; blobs: TorrentBlob[] }> {
  const started = performance.now();
  const image = await resolveImage(deps.registry, target.repository, target.reference);
  const n = image.manifest.layers.length;
  const existing = await deps.engine.inspectImage(image.configDigest);
  const present = existing ? n : await countPresentLayers(deps.engine, image.diffIds);
  const bytes = { ...zeroStats(), fromCache: 0, total: 0 };
  const fetched = await fetchLayers(deps, image, present, bytes);
  let imageId = existing?.id ?? image.configDigest;
  if (!existing) imageId = await load(deps, image, present, fetched);
  for (const { repo, tag } of target.localTags) await deps.engine.tagImage(imageId, repo, tag);
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
      bytes,
      seconds: (performance.now() - started) / 1000,
    },
    blobs: fetched.map((f) => f.blob),
  };
}

async function countPresentLayers(engine: DockerEngine, diffIds: Digest[]): Promise<number> {
  const engineChains = new Set<string>();
  for (const list of await engine.listLayerLists())
    for (const c of chainIds(list)) engineChains.add(c);
  return presentBottomLayers(chainIds(diffIds), engineChains);
}

interface FetchedLayer {
  index: number;
  blob: TorrentBlob;
  path: string;
  fromCache: boolean;
}

async function fetchLayers(
  deps: PullDeps,
  image: ResolvedImage,
  present: number,
  bytes: PullSummary['bytes'],
): Promise<FetchedLayer[]> {
  const emit = (index: number, digest: Digest, size: number, state: LayerState, extra = {}) =>
    deps.onProgress?.({
      kind: 'layer',
      index,
      digest,
      size,
      state,
      downloaded: state === 'downloading' ? 0 : size,
      peers: 0,
      stats: zeroStats(),
      ...extra,
    });
  image.manifest.layers.slice(0, present).forEach((l, i) => {
    emit(i, parseDigest(l.digest), l.size, 'present');
  });
  const missing = image.manifest.layers.slice(present).map((l, i) => ({
    index: present + i,
    digest: parseDigest(l.digest),
    size: l.size,
  }));
  return mapLimit(missing, deps.concurrency, async ({ index, digest, size }) => {
    if (deps.signal.aborted) throw new InterruptedError();
    const torrent = await deps.registry.getTorrent(digest);
    const blob: TorrentBlob = { digest, size, torrent };
    const cachedPath = await deps.swarm.cached(digest, size);
    if (cachedPath) {
      bytes.fromCache += size;
      bytes.total += size;
      emit(index, digest, size, 'cached');
      return { index, blob, path: cachedPath, fromCache: true };
    }
    emit(index, digest, size, 'downloading');
    const { path, stats } = await deps.swarm.download(blob, {
      signal: deps.signal,
      onProgress: (p) =>
        emit(index, digest, size, 'downloading', {
          downloaded: p.downloaded,
          peers: p.peers,
          stats: p.stats,
        }),
    });
    if (deps.signal.aborted) throw new InterruptedError();
    bytes.fromPeers += stats.fromPeers;
    bytes.fromRegistrySeed += stats.fromRegistrySeed;
    bytes.fromWebSeed += stats.fromWebSeed;
    bytes.total += size;
    emit(index, digest, size, 'done', { stats });
    return { index, blob, path, fromCache: false };
  });
}

/** Streams the `docker load` tarball straight into the engine (no copy of the whole image). */
async function load(
  deps: PullDeps,
  image: ResolvedImage,
  present: number,
  fetched: FetchedLayer[],
): Promise<string> {
  deps.onProgress?.({ kind: 'loading', omitLayers: present });
  const paths = new Map(fetched.map((f) => [f.index, f.path]));
  const layers: LoadLayer[] = image.manifest.layers.map((l, i) => ({
    diffId: image.diffIds[i] as Digest,
    size: l.size,
    open: () => {
      const path = paths.get(i);
      if (!path) throw new EngineError(`layer ${i} was left out of the load but is needed`);
      return createReadStream(path);
    },
  }));
  const tarball = new PassThrough();
  const abort = () => tarball.destroy(new InterruptedError());
  deps.signal.addEventListener('abort', abort, { once: true });
  try {
    const writing = writeLoadArchive(
      { config: image.config, layers, repoTags: [], omitLayers: present },
      tarball,
    ).catch((err: unknown) => {
      tarball.destroy(err as Error);
      throw err;
    });
    const loading = deps.engine.loadImage(tarball).catch((err: unknown) => {
      tarball.destroy();
      throw err;
    });
    await Promise.all([writing, loading]);
  } finally {
    deps.signal.removeEventListener('abort', abort);
  }
  if (deps.signal.aborted) throw new InterruptedError();
  const loaded = await deps.engine.inspectImage(image.configDigest);
  if (!loaded)
    throw new EngineError(`the engine reports no image ${image.configDigest} after load`);
  deps.onProgress?.({ kind: 'loaded', imageId: loaded.id });
  return loaded.id;
}
