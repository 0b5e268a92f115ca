import { sha256Digest } from '../digest.js';
import {
  configDiffIds,
  layerAt,
  type EntryTable,
  invalid,
  isObject,
  parseJson,
} from './resolve.js';
import { familiarTag } from './tags.js';
import type { ArchiveImage, ArchiveLayer, ArchiveLayout } from './types.js';

export const DOCKER_MANIFEST = 'manifest.json';

/** One item of a docker save manifest.json (moby image/tarexport manifestItem). */
interface ManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

function parseItems(bytes: Buffer): ManifestItem[] {
  const doc = parseJson(bytes, DOCKER_MANIFEST);
  if (!Array.isArray(doc)) throw invalid(DOCKER_MANIFEST, 'not a JSON array');
  return doc.map((item, i) => {
    const where = `item ${i}`;
    if (!isObject(item)) throw invalid(DOCKER_MANIFEST, `${where} is not an object`);
    const { Config, RepoTags, Layers } = item;
    if (typeof Config !== 'string') throw invalid(DOCKER_MANIFEST, `${where} has no Config`);
    if (!Array.isArray(Layers) || !Layers.every((l) => typeof l === 'string')) {
      throw invalid(DOCKER_MANIFEST, `${where} has no Layers list`);
    }
    const tags = RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) {
      throw invalid(DOCKER_MANIFEST, `${where} has invalid RepoTags`);
    }
    return { Config, RepoTags: tags as string[], Layers: Layers as string[] };
  });
}

/**
 * Images of a docker save archive, legacy (`<id>/layer.tar`) or Docker 25+ (paths into
 * `blobs/sha256/`): each manifest.json item names the config and the layer files in order.
 */
export async function dockerImages<T>(
  table: EntryTable<T>,
  layout: ArchiveLayout,
): Promise<ArchiveImage<T>[]> {
  const images: ArchiveImage<T>[] = [];
  for (const item of parseItems(table.bytes(DOCKER_MANIFEST))) {
    const config = table.bytes(item.Config);
    const diffIds = configDiffIds(parseJson(config, item.Config), item.Config);
    if (diffIds.length !== item.Layers.length) {
      throw invalid(
        DOCKER_MANIFEST,
        `${item.Layers.length} layers listed for ${diffIds.length} diffIDs in ${item.Config}`,
      );
    }
    const layers: ArchiveLayer<T>[] = [];
    for (const [i, path] of item.Layers.entries()) {
      layers.push(await layerAt(table, path, diffIds[i]!));
    }
    images.push({
      layout,
      config,
      configDigest: sha256Digest(config),
      layers,
      tags: item.RepoTags.map((t) => familiarTag(t) ?? t),
    });
  }
  return images;
}
