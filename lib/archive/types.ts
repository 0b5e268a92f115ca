import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { Platform } from '../manifest/index.js';

/**
 * Where the archive reader puts the bytes of every file entry that may be a layer
 * or a blob. The codec never opens files itself: it hands each entry's bytes to the
 * sink as they stream past, and refers to what the sink returns.
 */
export interface BlobSink<T> {
  /**
   * Store one entry. Must read `body` to its end (or destroy it) and resolve with a
   * handle once stored. `info.digest`, when set, is the digest the archive claims
   * for the entry (OCI `blobs/sha256/<hex>`): the sink may verify it while writing.
   */
  store(body: Readable, info: { path: string; size: number; digest?: Digest }): Promise<T>;
  /** Forget an entry stored for an archive that turned out invalid, or an unused one. */
  discard(handle: T): Promise<void>;
}

export type ArchiveLayout = 'docker-legacy' | 'docker-oci' | 'oci';

export interface ArchiveLayer<T> {
  /** sha256 of the uncompressed layer tar (config rootfs.diff_ids). */
  diffId: Digest;
  /** sha256 of the bytes as they are in the archive (equals diffId when not compressed). */
  digest: Digest;
  /** Size of the bytes as they are in the archive. */
  size: number;
  /** True when the bytes in the archive are gzip-compressed. */
  compressed: boolean;
  /** Media type for a manifest descriptor of these bytes. */
  mediaType: string;
  /** What the sink returned for these bytes. */
  stored: T;
}

export interface ArchiveImage<T> {
  layout: ArchiveLayout;
  /** The image config JSON, byte for byte (its sha256 is the image ID). */
  config: Buffer;
  configDigest: Digest;
  /** Layers in order, bottom first. */
  layers: ArchiveLayer<T>[];
  /** `name:tag` references the archive gives this image (may be empty). */
  tags: string[];
  /**
   * When an image index in the archive (a multi-arch image) lists this image: the index's
   * digest, shared by its images, and the platform the index gives this one.
   */
  index?: { digest: Digest; platform?: Platform };
}

/** One layer for a `docker load` tarball. */
export interface LoadLayer {
  diffId: Digest;
  /** Size of the bytes `open()` yields. */
  size: number;
  /** Opens the layer bytes, plain tar or gzip-compressed (the engine takes both). */
  open(): Readable | Promise<Readable>;
}
