import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Digest } from '../digest.js';
import { ArchiveError } from '../errors.js';
import { DOCKER_MANIFEST, dockerImages } from './docker-manifest.js';
import type { GunzipBounds } from './gzip.js';
import { type EntryContext, MetadataBudget, readEntry, type StoredBlob } from './entry.js';
import { OCI_INDEX, OCI_LAYOUT, ociImages } from './oci-index.js';
import { archivePath, isArchiveRoot, linkTarget } from './paths.js';
import { type ArchiveEntry, EntryTable } from './resolve.js';
import type { ArchiveImage, BlobSink } from './types.js';

export const DEFAULT_MAX_METADATA_BYTES = 8 * 1024 * 1024;

export interface ReadArchiveOptions<T = unknown> {
  /** Cap on the JSON entries (configs, manifests, index) held in memory; default 8 MiB. */
  maxMetadataBytes?: number;
  /** Bounds on gunzipping compressed layers to compute their diffID; default unbounded. */
  gunzip?: GunzipBounds;
  /**
   * Told of each entry as soon as the sink has stored it and its digests are known, before
   * the archive's manifest (which comes last in a docker save) says what it is: a caller
   * may start work on likely layers early. The entry may still turn out unused, or the
   * archive invalid.
   */
  onStored?(entry: StoredBlob<T>): void;
}

/** Entries whose bytes are always metadata, whatever they look like. */
const METADATA_NAMES = new Set([DOCKER_MANIFEST, OCI_INDEX, OCI_LAYOUT, 'repositories']);
/** docker save's per-layer v1 files: only a manifest-less (pre-1.10) load reads them. */
const V1_FILE = /^[a-f0-9]{64}\/(?:VERSION|json)$/;
const CLAIMED_BLOB = /^blobs\/sha256\/([a-f0-9]{64})$/;

/**
 * Reads a `docker save` archive (legacy or Docker 25+ layout) or an OCI image-layout
 * archive, streaming. Every file entry that is not metadata goes to `sink` as it streams
 * past (docker save writes manifest.json after the layers), hashed on the way; layers are
 * then verified against their config's rootfs.diff_ids and OCI blobs against their names.
 * Stored entries no image uses are discarded before resolving.
 *
 * Rejects with ArchiveError (see ArchiveProblem) when the archive is invalid, after
 * discarding everything stored; an error of the sink itself is passed through unchanged.
 * On failure the rest of `source` is drained, not destroyed, so that a server can still
 * answer the request it came in. A layer reached through two paths (docker save links a
 * repeated diffID) is one stored handle used by both.
 */
export async function readImageArchive<T>(
  source: Readable,
  sink: BlobSink<T>,
  opts: ReadArchiveOptions<T> = {},
): Promise<ArchiveImage<T>[]> {
  const storing: Promise<T>[] = [];
  const ctx: EntryContext<T> = {
    sink,
    budget: new MetadataBudget(opts.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES),
    ...(opts.gunzip ? { gunzip: opts.gunzip } : {}),
    ...(opts.onStored ? { stored: opts.onStored } : {}),
    track: (p) => {
      storing.push(p);
      p.catch(() => {});
    },
  };
  try {
    const entries = await scan(source, ctx);
    const table = new EntryTable(entries, ctx);
    const images = await resolveImages(table);
    const used = new Set([...table.used].map((e) => e.handle));
    for (const handle of await Promise.all(storing)) {
      if (!used.has(handle)) await sink.discard(handle);
    }
    return images;
  } catch (err) {
    for (const s of await Promise.allSettled(storing)) {
      if (s.status === 'fulfilled') await sink.discard(s.value).catch(() => {});
    }
    throw err;
  }
}

async function resolveImages<T>(table: EntryTable<T>): Promise<ArchiveImage<T>[]> {
  let images: ArchiveImage<T>[];
  if (table.has(DOCKER_MANIFEST)) {
    const oci = table.has(OCI_INDEX) && table.has(OCI_LAYOUT);
    images = await dockerImages(table, oci ? 'docker-oci' : 'docker-legacy');
  } else if (table.has(OCI_INDEX)) {
    images = await ociImages(table);
  } else if (table.has('repositories')) {
    throw new ArchiveError(
      'unsupported-layout',
      'image archive has only a v1 "repositories" file (pre-1.10 docker save)',
    );
  } else {
    throw new ArchiveError('no-manifest', 'image archive has neither manifest.json nor index.json');
  }
  if (images.length === 0) throw new ArchiveError('no-manifest', 'image archive lists no image');
  return images;
}

type TarEntry = AsyncIterable<Buffer> & { header: tar.Header };

async function scan<T>(source: Readable, ctx: EntryContext<T>) {
  const entries = new Map<string, ArchiveEntry<T>>();
  const extract = tar.extract();
  let bytesIn = 0;
  let entriesSeen = 0;
  const count = (chunk: Buffer): void => {
    bytesIn += chunk.length;
  };
  const onSourceError = (err: Error): void => {
    extract.destroy(
      new ArchiveError('truncated', `image archive stream failed: ${err.message}`, { cause: err }),
    );
  };
  source.on('data', count);
  source.on('error', onSourceError);
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const it = (extract as unknown as AsyncIterable<TarEntry>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<TarEntry>;
      try {
        next = await it.next();
      } catch (err) {
        throw tarError(err, entriesSeen);
      }
      if (next.done) break;
      entriesSeen++;
      await scanEntry(guarded(next.value), entries, ctx);
    }
    if (entriesSeen === 0 && bytesIn === 0) {
      throw new ArchiveError('not-a-tar', 'image archive is empty');
    }
    return entries;
  } catch (err) {
    source.unpipe(extract as unknown as NodeJS.WritableStream);
    extract.destroy();
    if (!source.destroyed) {
      source.on('error', () => {});
      source.resume();
    }
    throw err;
  } finally {
    source.off('data', count);
    source.off('error', onSourceError);
  }
}

/** An entry whose read errors (the tar ended inside it) fail as ArchiveError('truncated'). */
function guarded(entry: TarEntry): TarEntry {
  async function* body(): AsyncGenerator<Buffer> {
    try {
      yield* entry;
    } catch (err) {
      throw tarError(err, 1);
    }
  }
  return Object.assign(body(), { header: entry.header });
}

/** tar-stream fails on a bad header or an early end; which one is told by where it failed. */
function tarError(err: unknown, entriesSeen: number): unknown {
  if (err instanceof ArchiveError) return err;
  const reason = (err as Error).message;
  return entriesSeen === 0
    ? new ArchiveError('not-a-tar', 'image archive is not a tar', { reason })
    : new ArchiveError('truncated', 'image archive is truncated or corrupt', { reason });
}

async function scanEntry<T>(
  entry: TarEntry,
  entries: Map<string, ArchiveEntry<T>>,
  ctx: EntryContext<T>,
): Promise<void> {
  const { header } = entry;
  // `tar -C layout -c .` starts with the root itself, `./`: a directory that names nothing.
  if (header.type === 'directory' && isArchiveRoot(header.name)) {
    for await (const _ of entry);
    return;
  }
  const path = archivePath(header.name);
  switch (header.type) {
    case 'symlink':
    case 'link':
      entries.set(path, {
        kind: 'link',
        target: linkTarget(path, header.linkname ?? '', header.type),
      });
      break;
    case 'file':
    case 'contiguous-file': {
      if (V1_FILE.test(path)) break;
      const hex = CLAIMED_BLOB.exec(path)?.[1];
      const content = await readEntry(
        entry,
        {
          path,
          size: header.size ?? 0,
          ...(hex ? { claimed: `sha256:${hex}` as Digest } : {}),
          forceMetadata: METADATA_NAMES.has(path),
        },
        ctx,
      );
      entries.set(path, content);
      return;
    }
  }
  for await (const _ of entry);
}
