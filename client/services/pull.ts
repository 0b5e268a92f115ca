import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { chainIds } from '../../lib/archive/chain-id.js';
import { type Digest, parseDigest } from '../../lib/digest.js';
import { FILE_CHUNK_BYTES, type GrowingFile, tailFile } from '../../lib/growing-file.js';
import type { DockerEngine } from '../docker-engine.js';
import { EngineError, InterruptedError } from '../errors.js';
import { type DirectTurn, directTurns } from './direct-turns.js';
import { feedsEngine, pullThroughEngine } from './engine-pull.js';
import { loadLayerByLayer } from './load-layers.js';
import type { RegistryClient } from '../registry-client.js';
import { mapLimit } from './map-limit.js';
import type { Platform } from './platform.js';
import { presentBottomLayers, type ResolvedImage, resolveImage } from './resolve-image.js';
import type { Swarm, TorrentBlob, TransferStats } from './swarm.js';

export interface PullDeps {
  engine: DockerEngine;
  registry: RegistryClient;
  swarm: Swarm;
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
  /** The image of a multi-arch index to pull (`--platform`); default: the engine's. */
  platform?: Platform;
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
 * Blobs up to this size come over plain HTTP from the registry, verified while they are
 * written: for them a torrent (fetch the .torrent, announce, connect, exchange bitfields)
 * costs more round trips than the bytes, and the registry's egress for them is small.
 */
export const HTTP_BLOB_MAX_BYTES = 1024 * 1024;

/**
 * Pulls `target` into the engine: resolves the manifest and config, finds the
 * bottom layers the engine already has (chain IDs), fetches the other blobs from the
 * cache, the registry (small blobs) or the swarm, and loads the missing layers one by one
 * (load-layers.ts): each goes into the engine as soon as it is verified and the layers
 * below it are in, so the engine extracts layer 1 while layer 3 still downloads. The image is tagged only after the engine
 * reports a successful load. A failed fetch aborts the load and is what the pull rejects
 * with. Resolves with the summary and the blobs fetched by torrent (for seeding).
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
  const bytes = { ...zeroStats(), fromCache: 0, total: 0 };
  const fetches = startFetches(deps, target.repository, image, present, bytes);
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
    blobs: fetched.flatMap((f) => (f.torrent ? [f.torrent] : [])),
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
  path: string;
  fromCache: boolean;
  /** Set when the blob came through the swarm: it can be seeded. */
  torrent?: TorrentBlob;
}

interface Fetches {
  /** Every missing layer, in manifest order; rejects with the first failure. */
  all: Promise<FetchedLayer[]>;
  /** The fetch of layer `index` (a missing one). */
  layer(index: number): Promise<FetchedLayer>;
  /**
   * The bytes of layer `index` (a missing one) as soon as they come: the file while a
   * direct download writes it (not verified yet: for a reader that checks the digest, the
   * engine), else the fetched file.
   */
  body(index: number): Promise<Readable>;
  /**
   * A layer the engine already has, fetched on demand (once): the engine's own pull asks
   * for the ones it did not pull itself. Not part of `all` nor of the summary's counts.
   */
  present(index: number): Promise<FetchedLayer>;
}

/** Starts fetching the missing layers, `deps.concurrency` at a time, bottom first. */
function startFetches(
  deps: PullDeps,
  repository: string,
  image: ResolvedImage,
  present: number,
  bytes: PullSummary['bytes'],
): Fetches {
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
  // Every .torrent is asked for up front: once the swarm is under way, a registry that goes
  // away only takes its seed and web seed with it, not the layers that have not started yet.
  const torrents = new Map(
    missing
      .filter(({ size }) => size > HTTP_BLOB_MAX_BYTES)
      .map(({ index, digest }) => [index, deps.registry.getTorrent(digest)]),
  );
  for (const t of torrents.values()) t.catch(() => {});
  const torrentOf = (index: number, digest: Digest) =>
    torrents.get(index) ?? deps.registry.getTorrent(digest);
  const layers = new Map(missing.map(({ index }) => [index, deferred<FetchedLayer>()]));
  // Resolved when a direct download starts writing the layer (never for other fetches).
  const growing = new Map(missing.map(({ index }) => [index, deferred<GrowingFile>()]));
  // Observed through `all`; the load may never ask for a layer after a failure.
  for (const { promise } of layers.values()) promise.catch(() => {});
  const takeTurn = directTurns();
  // The direct-download turn is taken at once, so turns go in the order fetches start.
  const fetchOne = (item: (typeof missing)[number]) => {
    const turn = takeTurn();
    return fetchLayer(item, turn).finally(() => turn.release());
  };
  const fetchLayer = async (
    { index, digest, size }: (typeof missing)[number],
    turn: DirectTurn,
  ): Promise<FetchedLayer> => {
    if (deps.signal.aborted) throw new InterruptedError();
    const viaTorrent = size > HTTP_BLOB_MAX_BYTES;
    const cachedPath = await deps.swarm.cached(digest, size);
    if (cachedPath) {
      bytes.fromCache += size;
      bytes.total += size;
      emit(index, digest, size, 'cached');
      // A cached blob is seeded after the pull like a downloaded one.
      const torrent = viaTorrent
        ? { digest, size, torrent: await torrentOf(index, digest) }
        : undefined;
      return { index, path: cachedPath, fromCache: true, ...(torrent ? { torrent } : {}) };
    }
    emit(index, digest, size, 'downloading');
    if (!viaTorrent) {
      const body = await deps.registry.openBlob(repository, digest, deps.signal);
      const path = await deps.swarm.store(digest, size, body);
      bytes.fromWebSeed += size;
      bytes.total += size;
      emit(index, digest, size, 'done', { stats: { ...zeroStats(), fromWebSeed: size } });
      return { index, path, fromCache: false };
    }
    const torrent: TorrentBlob = { digest, size, torrent: await torrentOf(index, digest) };
    const { path, stats } = await deps.swarm.download(torrent, {
      signal: deps.signal,
      onFile: (file) => growing.get(index)?.resolve(file),
      ...(deps.direct
        ? {
            direct: () =>
              turn.open(() => deps.registry.openDirect(repository, digest, deps.signal)),
          }
        : {}),
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
    return { index, path, fromCache: false, torrent };
  };
  // Layers fetched so far: asked for after its fetch, a layer is read from its file (the
  // partial file a direct download wrote has been renamed by then).
  const donePaths = new Map<number, string>();
  const all = mapLimit(missing, deps.concurrency, async (item) => {
    const settle = layers.get(item.index)!;
    try {
      const fetched = await fetchOne(item);
      donePaths.set(item.index, fetched.path);
      settle.resolve(fetched);
      return fetched;
    } catch (err) {
      settle.reject(err);
      throw err;
    }
  });
  all.catch((err: unknown) => {
    // Layers that never started must not leave the load waiting.
    for (const d of layers.values()) d.reject(err);
  });
  const layer = (index: number) =>
    layers.get(index)?.promise ?? Promise.reject(new EngineError(`layer ${index} is not fetched`));
  const onDemand = new Map<number, Promise<FetchedLayer>>();
  return {
    all,
    layer,
    body: (index) => {
      const done = donePaths.get(index);
      if (done !== undefined) return Promise.resolve(readFileBody(done));
      const fetched = layer(index).then((f) => f.path);
      const size = image.manifest.layers[index]?.size ?? 0;
      return Promise.race([
        fetched.then(readFileBody),
        (growing.get(index)?.promise ?? new Promise<never>(() => {})).then((file) =>
          tailFile(file, size, fetched),
        ),
      ]);
    },
    present: (index) => {
      const layer = image.manifest.layers[index];
      if (index >= present || !layer)
        return Promise.reject(new EngineError(`layer ${index} is not a present one`));
      let fetching = onDemand.get(index);
      if (!fetching) {
        fetching = fetchOne({ index, digest: parseDigest(layer.digest), size: layer.size });
        onDemand.set(index, fetching);
      }
      return fetching;
    },
  };
}

const readFileBody = (path: string): Readable =>
  createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES });

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A promise with its settle functions (Promise.withResolvers, which Node 20 lacks). */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
