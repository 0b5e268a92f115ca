import { Readable } from 'node:stream';
import { type Digest, isDigest } from '../digest.js';
import { ArchiveError } from '../errors.js';
import { MediaType } from '../media-types.js';
import { type EntryContent, type EntryContext, storeStream } from './entry.js';
import { archivePath } from './paths.js';
import type { ArchiveLayer } from './types.js';

export type ArchiveEntry<T> = EntryContent<T> | { kind: 'link'; target: string };
export type StoredEntry<T> = Extract<EntryContent<T>, { kind: 'stored' }>;

const MAX_LINK_HOPS = 16;

/**
 * Looks entries up by the paths manifests name, once the whole archive streamed past, and
 * remembers which stored entries a manifest used (the others get discarded).
 */
export class EntryTable<T> {
  readonly used = new Set<StoredEntry<T>>();

  constructor(
    readonly entries: Map<string, ArchiveEntry<T>>,
    private readonly ctx: EntryContext<T>,
  ) {}

  has(path: string): boolean {
    return this.entries.has(path);
  }

  private lookup(name: string): { path: string; entry: EntryContent<T> } {
    let path = archivePath(name);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = this.entries.get(path);
      if (entry === undefined) {
        throw new ArchiveError('missing-entry', `image archive has no file "${name}"`, {
          path: name,
        });
      }
      if (entry.kind !== 'link') return { path, entry };
      path = entry.target;
    }
    throw new ArchiveError('unsafe-link', `too many links from "${name}" in image archive`, {
      path: name,
    });
  }

  /** The bytes of a JSON entry, parsed. */
  json(name: string): unknown {
    const { path, entry } = this.lookup(name);
    if (entry.kind !== 'metadata') {
      throw new ArchiveError('invalid-json', `"${path}" in image archive is not JSON`, { path });
    }
    return parseJson(entry.bytes, path);
  }

  bytes(name: string): Buffer {
    const { path, entry } = this.lookup(name);
    if (entry.kind !== 'metadata') {
      throw new ArchiveError('invalid-json', `"${path}" in image archive is not JSON`, { path });
    }
    return entry.bytes;
  }

  /** A layer entry; one that was kept in memory (it looked like JSON) is stored now. */
  async layer(name: string): Promise<StoredEntry<T>> {
    const { path, entry } = this.lookup(name);
    let stored: StoredEntry<T>;
    if (entry.kind === 'metadata') {
      const content = await storeStream(
        Readable.from([entry.bytes]),
        entry.bytes,
        { path, size: entry.bytes.length },
        this.ctx,
      );
      if (content.kind !== 'stored') throw new Error('unreachable');
      stored = content;
      this.entries.set(path, stored);
    } else {
      stored = entry;
    }
    this.used.add(stored);
    return stored;
  }
}

export function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ArchiveError('invalid-json', `"${path}" in image archive is not valid JSON`, {
      path,
      reason: (err as Error).message,
    });
  }
}

export function invalid(path: string, what: string): ArchiveError {
  return new ArchiveError('invalid-manifest', `"${path}" in image archive: ${what}`, { path });
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** rootfs.diff_ids of an image config (OCI image-spec config.md). */
export function configDiffIds(config: unknown, path: string): Digest[] {
  const rootfs = isObject(config) ? config.rootfs : undefined;
  const diffIds = isObject(rootfs) ? rootfs.diff_ids : undefined;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && isDigest(d))) {
    throw invalid(path, 'image config has no valid rootfs.diff_ids');
  }
  return diffIds as Digest[];
}

/**
 * The archive layer stored at `path`, whose uncompressed bytes must hash to the config's
 * diffID (image-spec config.md); `mediaType` defaults to the Docker layer type of its
 * compression.
 */
export async function layerAt<T>(
  table: EntryTable<T>,
  path: string,
  diffId: Digest,
  mediaType?: string,
): Promise<ArchiveLayer<T>> {
  const layer = await table.layer(path);
  if (layer.uncompressedDigest !== diffId) {
    throw new ArchiveError(
      'digest-mismatch',
      `layer "${path}" does not match diffID ${diffId}` +
        (layer.uncompressedDigest ? ` (content is ${layer.uncompressedDigest})` : ' (bad gzip)'),
      { path, expected: diffId, actual: layer.uncompressedDigest },
    );
  }
  return {
    diffId,
    digest: layer.digest,
    size: layer.size,
    compressed: layer.compressed,
    mediaType: mediaType ?? (layer.compressed ? MediaType.dockerLayerGzip : MediaType.dockerLayer),
    stored: layer.handle,
  };
}
