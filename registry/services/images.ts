import type { ImageLayerSummary, ImageSummary, UntaggedImageSummary } from '../../lib/api/index.js';
import type { Digest } from '../../lib/digest.js';
import type { Descriptor } from '../../lib/media-types.js';
import type { Metadata } from '../metadata/metadata.js';
import type { BlobService } from './blobs.js';
import { readConfig } from './image-config.js';
import type { TorrentService } from './torrents.js';

/** The docket image listing: every repository:tag with what `docket images` shows. */
export class ImageService {
  constructor(
    private readonly metadata: Metadata,
    private readonly blobs: BlobService,
    private readonly torrents: TorrentService,
  ) {}

  /** `viewer`: the requesting token's name (null: anonymous), for the layers' magnet links. */
  async list(viewer: string | null = null): Promise<ImageSummary[]> {
    const out: ImageSummary[] = [];
    for (const tag of this.metadata.tags.all()) {
      const manifest = this.metadata.manifests.get(tag.manifestDigest);
      if (!manifest) continue;
      const summary = await this.summarize(manifest.digest, viewer);
      out.push({
        repository: tag.repository,
        tag: tag.tag,
        digest: manifest.digest,
        mediaType: manifest.mediaType,
        lastPushed: tag.updatedAt,
        ...summary,
      });
    }
    return out;
  }

  /** Manifests repositories hold that no tag points at (what gc sweeps after the grace period). */
  async untagged(viewer: string | null = null): Promise<UntaggedImageSummary[]> {
    const out: UntaggedImageSummary[] = [];
    for (const row of this.metadata.manifests.untagged()) {
      const manifest = this.metadata.manifests.get(row.digest);
      if (!manifest) continue;
      out.push({
        repository: row.repository,
        digest: row.digest,
        mediaType: manifest.mediaType,
        lastPushed: row.usedAt,
        ...(await this.summarize(row.digest, viewer)),
      });
    }
    return out;
  }

  /** Bytes of an image as stored (config plus layers; an index: its images'); null when not held. */
  async size(digest: string): Promise<number | null> {
    if (!this.metadata.manifests.has(digest)) return null;
    return (await this.summarize(digest, null)).size;
  }

  private async summarize(
    digest: string,
    viewer: string | null,
  ): Promise<
    Pick<ImageSummary, 'size' | 'layerCount' | 'created' | 'layers' | 'platforms' | 'configDigest'>
  > {
    const manifest = this.metadata.manifests.get(digest);
    if (!manifest)
      return {
        size: 0,
        layerCount: 0,
        created: null,
        layers: [],
        platforms: [],
        configDigest: null,
      };
    const doc = JSON.parse(manifest.content.toString('utf8')) as {
      config?: Descriptor;
      layers?: Descriptor[];
      manifests?: Descriptor[];
    };
    if (doc.manifests) {
      const children = await Promise.all(
        doc.manifests.map((m) => this.summarize(m.digest, viewer)),
      );
      return {
        size: children.reduce((n, c) => n + c.size, 0),
        layerCount: children.reduce((n, c) => n + c.layerCount, 0),
        created: children.find((c) => c.created)?.created ?? null,
        layers: children.flatMap((c) => c.layers),
        platforms: children.flatMap((c) => c.platforms),
        configDigest: children.find((c) => c.configDigest)?.configDigest ?? null,
      };
    }
    const config = doc.config && (await readConfig(this.blobs, doc.config.digest as Digest));
    const layers = (doc.layers ?? []).map((l): ImageLayerSummary => {
      const blob = this.blobs.find(l.digest as Digest);
      return {
        digest: l.digest,
        size: l.size,
        mediaType: l.mediaType,
        diffId: blob?.diffId ?? null,
        magnet: blob ? this.torrents.magnet(blob, viewer) : null,
      };
    });
    return {
      size: (doc.config?.size ?? 0) + layers.reduce((n, l) => n + l.size, 0),
      layerCount: layers.length,
      created: config?.created ?? null,
      layers,
      platforms: config?.os ? [`${config.os}/${config.architecture ?? 'unknown'}`] : [],
      configDigest: doc.config?.digest ?? null,
    };
  }
}
