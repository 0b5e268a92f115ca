import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { type Digest, sha256Digest } from '../../lib/digest.js';
import { type GunzipBounds, gzipLayer } from '../../lib/archive/gzip.js';
import type { ReadArchiveOptions } from '../../lib/archive/reader.js';
import type { ArchiveImage, ArchiveLayer, BlobSink } from '../../lib/archive/types.js';
import { buildImageManifest, type Descriptor } from '../../lib/manifest/index.js';
import { MediaType } from '../../lib/media-types.js';
import { DEFAULT_TAG, parseName, parseReference, parseTag } from '../../lib/reference.js';
import { UnsupportedError } from '../errors.js';
import type { BlobRecord } from '../metadata/blobs.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { BlobService } from './blobs.js';
import { limitBytes } from './limit.js';
import type { ManifestService } from './manifests.js';

/** lib/archive/reader.ts readImageArchive: reads a docker save / OCI layout tarball. */
export type ReadImageArchive = <T>(
  body: Readable,
  sink: BlobSink<T>,
  opts?: ReadArchiveOptions<T>,
) => Promise<ArchiveImage<T>[]>;

export interface ImportedImage {
  manifestDigest: Digest;
  configDigest: Digest;
  /** `name:tag` for every tag the import set. */
  tags: string[];
  layers: { digest: Digest; size: number; diffId: Digest }[];
  indexDigest?: Digest;
}

/**
 * Tarball import (POST /docket/v1/images): a whole image archive streamed through the
 * archive reader, each entry landing in an upload session; then layers are stored gzip
 * compressed (LAYER_GZIP_OPTIONS, unless the registry already holds a compressed blob
 * of that diff_id), the config as is, and a Docker schema2 manifest is pushed under each
 * tag exactly as a client push would. The images of a multi-arch index in the archive go
 * in by digest, and a manifest list of them (with their platforms) takes the tags.
 */
export class ImportService {
  constructor(
    private readonly store: BlobStore,
    private readonly blobs: BlobService,
    private readonly manifests: ManifestService,
    private readonly readImageArchive: ReadImageArchive,
    private readonly maxBytes: number,
    private readonly gunzip: GunzipBounds,
  ) {}

  /**
   * `tags` (`name:tag`), when given, replace the archive's own tags; the archive must
   * then hold one image. Throws ArchiveError (GunzipLimitError for a compressed layer
   * beyond the gunzip bounds), PayloadTooLargeError, UnsupportedError,
   * ReferenceInvalidError.
   */
  async import(
    body: Readable,
    opts: { tags: string[]; pushedBy: string | null },
  ): Promise<ImportedImage[]> {
    const overrides = opts.tags.map(parseRepoTag);
    const sessions = new Set<string>();
    const sink: BlobSink<string> = {
      store: async (entry) => {
        const id = await this.store.startUpload();
        sessions.add(id);
        await this.store.appendUpload(id, entry);
        return id;
      },
      discard: async (id) => {
        sessions.delete(id);
        await this.store.cancelUpload(id).catch(() => {});
      },
    };
    try {
      const limited = pipeline(body, limitBytes(this.maxBytes), () => {});
      const images = await this.readImageArchive(limited, sink, { gunzip: this.gunzip });
      // The images of one multi-arch index count as one.
      const units = new Set(images.map((image, i) => image.index?.digest ?? i));
      if (overrides.length > 0 && units.size !== 1)
        throw new UnsupportedError(`?tag= needs an archive holding one image, not ${units.size}`);
      const tagged = images.map((image) => {
        const tags = overrides.length > 0 ? overrides : image.tags.map(parseRepoTag);
        if (tags.length === 0)
          throw new UnsupportedError(`image ${image.configDigest} has no tag: pass ?tag=name:tag`);
        return { image, tags };
      });
      const committed = new Map<string, BlobRecord>();
      const out: (ImportedImage & { manifest: Buffer; blobs: Digest[] })[] = [];
      const indexes = new Map<string, { tags: RepoTag[]; children: Descriptor[] }>();
      for (const { image, tags } of tagged) {
        // An image of a multi-arch index goes in by digest; the index then takes the tags.
        const group = image.index && indexes.get(image.index.digest);
        const stored = await this.storeImage(
          image,
          image.index ? [] : tags,
          committed,
          opts.pushedBy,
        );
        if (!image.index) {
          out.push(stored);
          continue;
        }
        for (const { name } of tags)
          await this.manifests.put(
            name,
            stored.manifestDigest,
            stored.manifest,
            MediaType.dockerManifest,
            opts.pushedBy,
            stored.blobs,
          );
        const child: Descriptor = {
          mediaType: MediaType.dockerManifest,
          digest: stored.manifestDigest,
          size: stored.manifest.length,
          ...(image.index.platform ? { platform: image.index.platform } : {}),
        };
        if (group) group.children.push(child);
        else indexes.set(image.index.digest, { tags, children: [child] });
        out.push({ ...stored, tags: tags.map((t) => `${t.name}:${t.tag}`) });
      }
      for (const { tags, children } of indexes.values()) {
        const digest = await this.putIndex(tags, children, opts.pushedBy);
        for (const image of out)
          if (children.some((c) => c.digest === image.manifestDigest)) image.indexDigest = digest;
      }
      return out.map(({ manifest: _, blobs: __, ...image }) => image);
    } finally {
      await Promise.all([...sessions].map((id) => this.store.cancelUpload(id).catch(() => {})));
    }
  }

  /** A Docker manifest list of `children` (stored already) under each of `tags`. */
  private async putIndex(
    tags: RepoTag[],
    children: Descriptor[],
    pushedBy: string | null,
  ): Promise<Digest> {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifestList,
        manifests: children,
      }),
    );
    for (const { name, tag } of tags)
      await this.manifests.put(name, tag, body, MediaType.dockerManifestList, pushedBy);
    return sha256Digest(body);
  }

  /**
   * Stores the image's blobs and its manifest under each of `tags` (none: blobs only). The
   * archive carried every blob's bytes (a reused layer's too: its diff_id was checked
   * against the archive's bytes), so each tag's repository holds them from the manifest's
   * transaction on (`blobs`, for the caller's puts by digest).
   */
  private async storeImage(
    image: ArchiveImage<string>,
    tags: RepoTag[],
    committed: Map<string, BlobRecord>,
    pushedBy: string | null,
  ): Promise<ImportedImage & { manifest: Buffer; blobs: Digest[] }> {
    const layers: Descriptor[] = [];
    for (const layer of image.layers) {
      let blob = committed.get(layer.stored);
      if (!blob) {
        blob = await this.storeLayer(layer);
        committed.set(layer.stored, blob);
      }
      layers.push({ mediaType: MediaType.dockerLayerGzip, digest: blob.digest, size: blob.size });
    }
    const config = await this.blobs.put(
      Readable.from([image.config]),
      { digest: image.configDigest, size: image.config.length },
      { mediaType: MediaType.dockerConfig },
    );
    const body = buildImageManifest({
      config: { mediaType: MediaType.dockerConfig, digest: config.digest, size: config.size },
      layers,
    });
    const blobs = [config.digest, ...layers.map((l) => l.digest as Digest)];
    for (const { name, tag } of tags)
      await this.manifests.put(name, tag, body, MediaType.dockerManifest, pushedBy, blobs);
    return {
      manifest: body,
      blobs,
      manifestDigest: sha256Digest(body),
      configDigest: config.digest,
      tags: tags.map((t) => `${t.name}:${t.tag}`),
      layers: image.layers.map((l, i) => ({
        digest: layers[i]!.digest as Digest,
        size: layers[i]!.size,
        diffId: l.diffId,
      })),
    };
  }

  /** A gzip blob for the layer: the archive's own bytes when compressed, else gzipped now. */
  private async storeLayer(layer: ArchiveLayer<string>): Promise<BlobRecord> {
    const describe = { mediaType: MediaType.dockerLayerGzip, diffId: layer.diffId };
    if (layer.compressed)
      return this.blobs.commitUpload(
        layer.stored,
        { digest: layer.digest, size: layer.size },
        describe,
      );
    const known = this.blobs.findByDiffId(layer.diffId);
    if (known && known.digest !== layer.diffId) {
      // Reused, not uploaded: gc's grace period restarts, as for a push's HEAD.
      this.blobs.touch(known.digest);
      return known;
    }
    const raw = await this.store.openUpload(layer.stored);
    return this.blobs.put(
      pipeline(raw, gzipLayer(), () => {}),
      {},
      describe,
    );
  }
}

interface RepoTag {
  name: string;
  tag: string;
}

/** `[domain/]name[:tag]` → repository name (domain dropped) and tag (default latest). */
function parseRepoTag(ref: string): RepoTag {
  const parsed = parseReference(ref);
  return { name: parseName(parsed.name), tag: parseTag(parsed.tag ?? DEFAULT_TAG) };
}
