import { type Digest, digestHex, isDigest } from '../digest.js';
import { ArchiveError } from '../errors.js';
import type { Platform } from '../manifest/index.js';
import { isIndexMediaType, MediaType } from '../media-types.js';
import { configDiffIds, type EntryTable, invalid, isObject, layerAt } from './resolve.js';
import { familiarTag } from './tags.js';
import type { ArchiveImage, ArchiveLayer } from './types.js';

export const OCI_INDEX = 'index.json';
export const OCI_LAYOUT = 'oci-layout';

const MAX_INDEX_DEPTH = 4;
const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

interface Desc {
  mediaType: string;
  digest: Digest;
  annotations: Record<string, string>;
  platform?: Platform;
}

function descriptors(doc: unknown, key: 'manifests' | 'layers', path: string): Desc[] {
  const list = isObject(doc) ? doc[key] : undefined;
  if (!Array.isArray(list)) throw invalid(path, `no "${key}" list`);
  return list.map((d) => descriptor(d, path));
}

function descriptor(d: unknown, path: string): Desc {
  if (!isObject(d) || typeof d.mediaType !== 'string' || typeof d.digest !== 'string') {
    throw invalid(path, 'descriptor without mediaType or digest');
  }
  if (!isDigest(d.digest)) throw invalid(path, `unsupported digest "${d.digest}"`);
  const annotations = isObject(d.annotations) ? (d.annotations as Record<string, string>) : {};
  const p = d.platform;
  const platform =
    isObject(p) && typeof p.os === 'string' && typeof p.architecture === 'string'
      ? {
          os: p.os,
          architecture: p.architecture,
          ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
        }
      : undefined;
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    annotations,
    ...(platform ? { platform } : {}),
  };
}

/** OCI image-layout: a blob's path is `blobs/<alg>/<encoded>` (image-layout.md). */
export function blobPath(digest: Digest): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

/**
 * Images of a plain OCI image-layout archive (skopeo `oci-archive:`): index.json lists
 * image manifests (or nested indexes), tagged by annotation. Attestation manifests
 * (`vnd.docker.reference.type`) are not images and are skipped.
 */
export async function ociImages<T>(table: EntryTable<T>): Promise<ArchiveImage<T>[]> {
  const layout = table.json(OCI_LAYOUT);
  if (!isObject(layout) || typeof layout.imageLayoutVersion !== 'string') {
    throw new ArchiveError('unsupported-layout', 'oci-layout has no imageLayoutVersion');
  }
  if (!layout.imageLayoutVersion.startsWith('1.')) {
    throw new ArchiveError(
      'unsupported-layout',
      `OCI image layout version ${layout.imageLayoutVersion} is not supported`,
    );
  }
  const images: ArchiveImage<T>[] = [];
  await walk(table, descriptors(table.json(OCI_INDEX), 'manifests', OCI_INDEX), [], 0, images);
  return images;
}

/** `parent`: the image index blob (not the layout's index.json) that listed `list`. */
async function walk<T>(
  table: EntryTable<T>,
  list: Desc[],
  inherited: string[],
  depth: number,
  out: ArchiveImage<T>[],
  parent?: Digest,
): Promise<void> {
  for (const desc of list) {
    if (desc.annotations['vnd.docker.reference.type'] !== undefined) continue;
    const tags = [...inherited, ...tagsOf(desc.annotations)];
    const path = blobPath(desc.digest);
    if (isIndexMediaType(desc.mediaType)) {
      if (depth >= MAX_INDEX_DEPTH) throw invalid(path, 'image indexes nested too deep');
      const children = descriptors(table.json(path), 'manifests', path);
      await walk(table, children, tags, depth + 1, out, desc.digest);
    } else if (
      desc.mediaType === MediaType.ociManifest ||
      desc.mediaType === MediaType.dockerManifest
    ) {
      const found = await image(table, path, tags);
      if (parent)
        found.index = { digest: parent, ...(desc.platform ? { platform: desc.platform } : {}) };
      out.push(found);
    }
  }
}

async function image<T>(
  table: EntryTable<T>,
  path: string,
  tags: string[],
): Promise<ArchiveImage<T>> {
  const manifest = table.json(path);
  const configDesc = descriptor(isObject(manifest) ? manifest.config : undefined, path);
  const layerDescs = descriptors(manifest, 'layers', path);
  const configPath = blobPath(configDesc.digest);
  const config = table.bytes(configPath);
  const diffIds = configDiffIds(table.json(configPath), configPath);
  if (diffIds.length !== layerDescs.length) {
    throw invalid(path, `${layerDescs.length} layers for ${diffIds.length} diffIDs`);
  }
  const layers: ArchiveLayer<T>[] = [];
  for (const [i, desc] of layerDescs.entries()) {
    if (desc.mediaType.endsWith('+zstd')) {
      throw new ArchiveError('unsupported-layout', `zstd layer ${desc.digest} is not supported`);
    }
    layers.push(await layerAt(table, blobPath(desc.digest), diffIds[i]!, desc.mediaType));
  }
  return { layout: 'oci', config, configDigest: configDesc.digest, layers, tags };
}

/**
 * `name:tag` from a manifest descriptor's annotations: containerd's full image name when
 * present, else `org.opencontainers.image.ref.name` when it is a full reference (a bare
 * tag names no repository). Docker Hub names are given in their familiar form.
 */
function tagsOf(annotations: Record<string, string>): string[] {
  const candidate = annotations[CONTAINERD_NAME] ?? annotations[REF_NAME];
  if (candidate === undefined || !candidate.includes(':')) return [];
  const tag = familiarTag(candidate);
  return tag === undefined ? [] : [tag];
}
