import { isDigest } from '../../lib/digest.js';
import {
  type Descriptor,
  isIndexMediaType,
  MANIFEST_MEDIA_TYPES,
  MediaType,
} from '../../lib/media-types.js';
import { ManifestInvalidError } from '../errors.js';
import type { ManifestRef } from '../metadata/manifests.js';

/**
 * Bounds on what an index may name, so that following one (the image listing, the
 * platform pick on GET) costs a bounded amount of work: at most this many entries...
 */
export const MAX_INDEX_ENTRIES = 256;
/** ...and indexes nested at most this deep (an index of image manifests is depth 1). */
export const MAX_INDEX_DEPTH = 2;

export interface ParsedManifest {
  mediaType: string;
  /** Set for image manifests. */
  config?: Descriptor;
  layers: Descriptor[];
  /** Set for indexes / manifest lists. */
  manifests: Descriptor[];
  /** What must exist before the manifest is accepted, in document order. */
  refs: ManifestRef[];
}

/**
 * Validates a pushed manifest (image-spec manifest.md / image-index.md, Docker
 * manifest v2 schema 2 and manifest list). The media type is the request's
 * Content-Type, else the document's `mediaType`; when both are set they must agree.
 * Throws ManifestInvalidError.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ManifestInvalidError('manifest is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ManifestInvalidError('manifest must be a JSON object');
  if (doc.schemaVersion !== 2) throw new ManifestInvalidError('schemaVersion must be 2');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim() || undefined;
  const mediaType =
    header && MANIFEST_MEDIA_TYPES.includes(header) ? header : (declared ?? guess(doc));
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType))
    throw new ManifestInvalidError(`unsupported manifest media type "${mediaType}"`);
  if (declared !== undefined && declared !== mediaType)
    throw new ManifestInvalidError(
      `Content-Type ${mediaType} does not match the manifest's mediaType ${declared}`,
    );

  if (isIndexMediaType(mediaType)) {
    if (Array.isArray(doc.manifests) && doc.manifests.length > MAX_INDEX_ENTRIES)
      throw new ManifestInvalidError(
        `an index names at most ${MAX_INDEX_ENTRIES} manifests, not ${doc.manifests.length}`,
        { max: MAX_INDEX_ENTRIES, entries: doc.manifests.length },
      );
    const manifests = descriptors(doc.manifests, 'manifests');
    return {
      mediaType,
      layers: [],
      manifests,
      refs: manifests.map((d) => ({ kind: 'manifest', digest: d.digest })),
    };
  }
  const [config] = descriptors([doc.config], 'config');
  const layers = descriptors(doc.layers, 'layers');
  return {
    mediaType,
    config,
    layers,
    manifests: [],
    refs: [
      { kind: 'config', digest: config!.digest },
      ...layers.map((d) => ({ kind: 'layer' as const, digest: d.digest })),
    ],
  };
}

/** A layer the registry need not hold: it names URLs to fetch it from (foreign layer). */
export function isForeignLayer(d: Descriptor): boolean {
  return Array.isArray(d.urls) && d.urls.length > 0;
}

function guess(doc: Record<string, unknown>): string {
  return Array.isArray(doc.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
}

function descriptors(value: unknown, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw new ManifestInvalidError(`${field} must be an array`);
  return value.map((d: unknown, i) => {
    const where = `${field}[${i}]`;
    if (typeof d !== 'object' || d === null) throw new ManifestInvalidError(`${where} missing`);
    const desc = d as Partial<Descriptor>;
    if (typeof desc.mediaType !== 'string')
      throw new ManifestInvalidError(`${where}.mediaType must be a string`);
    if (typeof desc.digest !== 'string' || !isDigest(desc.digest))
      throw new ManifestInvalidError(`${where}.digest must be a sha256 digest`);
    if (typeof desc.size !== 'number' || !Number.isSafeInteger(desc.size) || desc.size < 0)
      throw new ManifestInvalidError(`${where}.size must be a non-negative integer`);
    return desc as Descriptor;
  });
}

/**
 * Content negotiation on GET (distribution-spec "Pulling manifests": the client lists
 * the media types it takes in Accept). No Accept, or a wildcard, takes anything.
 */
export function accepts(accept: readonly string[], mediaType: string): boolean {
  if (accept.length === 0) return true;
  return accept.some((a) => a === mediaType || a === '*/*' || a === 'application/*');
}

/** Splits Accept headers into bare media types. */
export function parseAccept(headers: string | string[] | undefined): string[] {
  const all = Array.isArray(headers) ? headers : headers ? [headers] : [];
  return all
    .flatMap((h) => h.split(','))
    .map((t) => t.split(';')[0]!.trim())
    .filter((t) => t.length > 0);
}
