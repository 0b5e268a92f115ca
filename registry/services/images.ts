import type { ImageLayerSummary, ImageSummary, UntaggedImageSummary } from '../../lib/api/index.js';
import type { Digest } from '../../lib/digest.js';
import { type Descriptor, MAX_INDEX_DEPTH, MAX_INDEX_ENTRIES } from '../../lib/manifest/index.js';
import type { Metadata } from '../metadata/metadata.js';
import type { BlobService } from './blobs.js';
import { readConfig } from './image-config.js';
import type { TorrentService } from './torrents.js';

/** At most this many manifests are read to summarize one tag, however its indexes nest. */
const MAX_MANIFESTS_PER_TAG = 1024;

type Summary = Pick<
  ImageSummary,
  'size' | 'layerCount' | 'created' | 'layers' | 'platforms' | 'configDigest'
>;

const EMPTY: Summary = {
  size: 0,
  layerCount: 0,
  created: null,
  layers: [],
  platforms: [],
  configDigest: null,
};

/**
 * One listing's state: image summaries already made (shared by tags), manifests left to
 * read, and the requesting token's name (null: anonymous) for the layers' magnet links.
 */
interface Walk {
  images: Map<string, Summary>;
  left: number;
  viewer: string | null;
}

/** The docket image listing: every repository:tag with what `docket images` shows. */
export class ImageService {
  constructor(
    private readonly metadata: Metadata,
    private readonly blobs: BlobService,
    private readonly torrents: TorrentService,
  ) {}

  /** `viewer`: the requesting token's name (null: anonymous), for the layers' magnet links. */
  async list(viewer: string | null = null): Promise<ImageSummary[]> {
    const images = new Map<string, Summary>();
    const out: ImageSummary[] = [];
    for (const tag of this.metadata.tags.all()) {
      const manifest = this.metadata.manifests.get(tag.manifestDigest);
      if (!manifest) continue;
      const walk: Walk = { images, left: MAX_MANIFESTS_PER_TAG, viewer };
      const summary = await this.summarize(manifest.digest, 0, walk);
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
    const images = new Map<string, Summary>();
    const out: UntaggedImageSummary[] = [];
    for (const row of this.metadata.manifests.untagged()) {
      const manifest = this.metadata.manifests.get(row.digest);
      if (!manifest) continue;
      const walk: Walk = { images, left: MAX_MANIFESTS_PER_TAG, viewer };
      out.push({
        repository: row.repository,
        digest: row.digest,
        mediaType: manifest.mediaType,
        lastPushed: row.usedAt,
        ...(await this.summarize(row.digest, 0, walk)),
      });
    }
    return out;
  }

  /** Bytes of an image as stored (config plus layers; an index: its images'); null when not held. */
  async size(digest: string): Promise<number | null> {
    if (!this.metadata.manifests.has(digest)) return null;
    const walk: Walk = { images: new Map(), left: MAX_MANIFESTS_PER_TAG, viewer: null };
    return (await this.summarize(digest, 0, walk)).size;
  }

  /**
   * An index sums its children (each distinct child once, each distinct layer once),
   * following at most MAX_INDEX_ENTRIES children, MAX_INDEX_DEPTH levels and
   * MAX_MANIFESTS_PER_TAG manifests: manifest PUT refuses more, but a listing must stay
   * cheap whatever the database holds, since anyone may ask for it.
   */
  private async summarize(digest: string, depth: number, walk: Walk): Promise<Summary> {
    const known = walk.images.get(digest);
    if (known) return known;
    if (walk.left <= 0) return EMPTY;
    walk.left--;
    const manifest = this.metadata.manifests.get(digest);
    if (!manifest) return EMPTY;
    const doc = JSON.parse(manifest.content.toString('utf8')) as {
      config?: Descriptor;
      layers?: Descriptor[];
      manifests?: Descriptor[];
    };
    if (doc.manifests) {
      if (depth >= MAX_INDEX_DEPTH) return EMPTY;
      const digests = [...new Set(doc.manifests.map((m) => m.digest))];
      const children: Summary[] = [];
      for (const child of digests.slice(0, MAX_INDEX_ENTRIES))
        children.push(await this.summarize(child, depth + 1, walk));
      const layers = new Map(children.flatMap((c) => c.layers).map((l) => [l.digest, l]));
      return {
        size: children.reduce((n, c) => n + c.size, 0),
        layerCount: children.reduce((n, c) => n + c.layerCount, 0),
        created: children.find((c) => c.created)?.created ?? null,
        layers: [...layers.values()],
        platforms: [...new Set(children.flatMap((c) => c.platforms))],
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
        magnet: blob ? this.torrents.magnet(blob, walk.viewer) : null,
      };
    });
    const summary: Summary = {
      size: (doc.config?.size ?? 0) + layers.reduce((n, l) => n + l.size, 0),
      layerCount: layers.length,
      created: config?.created ?? null,
      layers,
      platforms: config?.os ? [`${config.os}/${config.architecture ?? 'unknown'}`] : [],
      configDigest: doc.config?.digest ?? null,
    };
    walk.images.set(digest, summary);
    return summary;
  }
}
