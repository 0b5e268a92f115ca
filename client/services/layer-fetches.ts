import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { deferred } from '../../lib/deferred.js';
import { type Digest, parseDigest } from '../../lib/digest.js';
import { FILE_CHUNK_BYTES, type GrowingFile, tailFile } from '../../lib/growing-file.js';
import { EngineError, InterruptedError } from '../errors.js';
import { type DirectTurn, directTurns } from './direct-turns.js';
import { mapLimit } from './map-limit.js';
import type { LayerState, PullDeps, PullSummary } from './pull.js';
import type { ResolvedImage } from './resolve-image.js';
import type { TorrentBlob, TransferStats } from '../p2p/swarm.js';

/**
 * Blobs up to this size come over plain HTTP from the registry, verified while they are
 * written: for them a torrent (fetch the .torrent, announce, connect, exchange bitfields)
 * costs more round trips than the bytes, and the registry's egress for them is small.
 */
export const HTTP_BLOB_MAX_BYTES = 1024 * 1024;

export const zeroStats = (): TransferStats => ({
  fromPeers: 0,
  fromRegistrySeed: 0,
  fromWebSeed: 0,
});

export interface FetchedLayer {
  index: number;
  path: string;
  fromCache: boolean;
  /** Set when the blob came through the swarm: it can be seeded. */
  torrent?: TorrentBlob;
}

export interface Fetches {
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

/**
 * Starts the layer fetches of one pull (pull.ts): the missing layers, `deps.concurrency`
 * at a time, bottom first, each from the cache, the registry over HTTP (small blobs) or
 * the swarm (a direct download first, in direct-turns.ts order); and on demand the layers
 * the engine asks for although it has them.
 */
export function startFetches(
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
  const all = mapLimit(missing, deps.concurrency, async (item) => {
    const settle = layers.get(item.index)!;
    try {
      const fetched = await fetchOne(item);
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
    // Asked for after a direct download finished, tailFile reads the renamed file.
    body: (index) => {
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
      const bottom = image.manifest.layers[index];
      if (index >= present || !bottom)
        return Promise.reject(new EngineError(`layer ${index} is not a present one`));
      let fetching = onDemand.get(index);
      if (!fetching) {
        fetching = fetchOne({ index, digest: parseDigest(bottom.digest), size: bottom.size });
        onDemand.set(index, fetching);
      }
      return fetching;
    },
  };
}

export const readFileBody = (path: string): Readable =>
  createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES });
