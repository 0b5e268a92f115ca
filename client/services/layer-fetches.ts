import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { deferred } from '../../lib/deferred.js';
import { type Digest, parseDigest } from '../../lib/digest.js';
import { FILE_CHUNK_BYTES, type GrowingFile, tailFile } from '../../lib/growing-file.js';
import { EngineError } from '../errors.js';
import { BlobFetcher, type BlobProgress, noBytes } from '../fetch/blob-fetcher.js';
import type { TorrentBlob } from '../p2p/peer.js';
import { mapLimit } from './map-limit.js';
import type { PullDeps, PullSummary } from './pull.js';
import type { ResolvedImage } from './resolve-image.js';

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
  /** Bytes fetched so far: by source, from the cache, and in all (the summary's). */
  bytes(): PullSummary['bytes'];
}

/**
 * Starts the layer fetches of one pull (pull.ts) through one BlobFetcher: the missing
 * layers, `deps.concurrency` at a time, bottom first (so direct downloads take their turns
 * bottom first), and on demand the layers the engine asks for although it has them. Every
 * missing layer's .torrent is asked for up front.
 */
export function startFetches(
  deps: PullDeps,
  repository: string,
  image: ResolvedImage,
  present: number,
): Fetches {
  const emit = (index: number, progress: BlobProgress | PresentProgress) =>
    deps.onProgress?.({ kind: 'layer', index, ...progress });
  image.manifest.layers.slice(0, present).forEach(({ digest, size }, i) => {
    emit(i, {
      digest: parseDigest(digest),
      size,
      state: 'present',
      downloaded: size,
      peers: 0,
      stats: noBytes(),
    });
  });
  const missing = image.manifest.layers.slice(present).map((l, i) => ({
    index: present + i,
    digest: parseDigest(l.digest),
    size: l.size,
  }));
  // The layers waiting for a digest's fetch (one fetch however many layers have that blob).
  const waiting = new Map<Digest, Set<number>>();
  const waitingFor = (digest: Digest) => waiting.get(digest) ?? [];
  // Resolved when a direct download starts writing the layer (never for other fetches).
  const growing = new Map(missing.map(({ index }) => [index, deferred<GrowingFile>()]));
  const fetcher = new BlobFetcher({
    registry: deps.registry,
    peer: deps.peer,
    direct: deps.direct === true,
    directTurns: true,
    torrentOfCached: true,
    signal: deps.signal,
    ...(deps.onProgress
      ? {
          onProgress: (p: BlobProgress) => {
            for (const i of waitingFor(p.digest)) emit(i, p);
          },
        }
      : {}),
    onFile: (digest, file) => {
      for (const i of waitingFor(digest)) growing.get(i)?.resolve(file);
    },
  });
  fetcher.prefetchTorrents(missing);
  const counted = { fromCache: 0, total: 0 };
  const fetchOne = async ({ index, digest, size }: (typeof missing)[number]) => {
    const indices = waiting.get(digest) ?? new Set<number>();
    waiting.set(digest, indices.add(index));
    try {
      const fetched = await fetcher.fetch({ repository, digest, size });
      if (fetched.fromCache) counted.fromCache += size;
      counted.total += size;
      const { path, fromCache, torrent } = fetched;
      return { index, path, fromCache, ...(torrent ? { torrent } : {}) };
    } finally {
      indices.delete(index);
    }
  };
  const layers = new Map(missing.map(({ index }) => [index, deferred<FetchedLayer>()]));
  // Observed through `all`; the load may never ask for a layer after a failure.
  for (const { promise } of layers.values()) promise.catch(() => {});
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
    bytes: () => ({ ...fetcher.received(), ...counted }),
  };
}

type PresentProgress = Omit<BlobProgress, 'state'> & { state: 'present' };

export const readFileBody = (path: string): Readable =>
  createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES });
