import { ManifestInvalidError } from '../errors.js';
import { isIndexMediaType, MANIFEST_MEDIA_TYPES, MediaType } from '../media-types.js';
import {
  isObject,
  type JsonObject,
  parseAnnotations,
  parseDescriptor,
  parseDescriptors,
  stringAt,
} from './descriptor.js';
import type { Descriptor, ImageIndex, ImageManifest, ParsedManifest } from './types.js';

/**
 * Bounds on what an index may name, so that following one (the image listing, the
 * platform pick on GET) costs a bounded amount of work: at most this many entries...
 */
export const MAX_INDEX_ENTRIES = 256;
/** ...and indexes nested at most this deep (an index of image manifests is depth 1). */
export const MAX_INDEX_DEPTH = 2;

/**
 * Validates a manifest (image-spec manifest.md / image-index.md, Docker manifest v2
 * schema 2 and manifest list), pushed to the registry or fetched from it. The media type
 * is `contentType` (the request's or response's Content-Type) when it names a manifest
 * type, else the document's `mediaType`, else guessed from the shape; when the header and
 * the document both name one they must agree. An index names at most MAX_INDEX_ENTRIES
 * manifests. Throws ManifestInvalidError.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  const doc = parseJson(body);
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
  return isIndexMediaType(mediaType)
    ? { kind: 'index', mediaType, index: imageIndex(doc) }
    : { kind: 'image', mediaType, manifest: imageManifest(doc) };
}

/** A layer the registry need not hold: it names URLs to fetch it from (foreign layer). */
export function isForeignLayer(d: Descriptor): boolean {
  return (d.urls?.length ?? 0) > 0;
}

function parseJson(body: Buffer): JsonObject {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ManifestInvalidError('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw new ManifestInvalidError('manifest must be a JSON object');
  return doc;
}

function guess(doc: JsonObject): string {
  return Array.isArray(doc.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
}

function imageIndex(doc: JsonObject): ImageIndex {
  if (Array.isArray(doc.manifests) && doc.manifests.length > MAX_INDEX_ENTRIES)
    throw new ManifestInvalidError(
      `an index names at most ${MAX_INDEX_ENTRIES} manifests, not ${doc.manifests.length}`,
      { max: MAX_INDEX_ENTRIES, entries: doc.manifests.length },
    );
  return {
    schemaVersion: 2,
    ...common(doc),
    manifests: parseDescriptors(doc.manifests, 'manifests'),
    ...optional(doc),
  };
}

function imageManifest(doc: JsonObject): ImageManifest {
  return {
    schemaVersion: 2,
    ...common(doc),
    config: parseDescriptor(doc.config, 'config'),
    layers: parseDescriptors(doc.layers, 'layers'),
    ...optional(doc),
  };
}

/** The keys before the descriptors, in the order the specs list them. */
function common(doc: JsonObject): { mediaType?: string; artifactType?: string } {
  return {
    ...(doc.mediaType !== undefined ? { mediaType: stringAt(doc.mediaType, 'mediaType') } : {}),
    ...(doc.artifactType !== undefined
      ? { artifactType: stringAt(doc.artifactType, 'artifactType') }
      : {}),
  };
}

function optional(doc: JsonObject): {
  subject?: Descriptor;
  annotations?: Record<string, string>;
} {
  return {
    ...(doc.subject !== undefined ? { subject: parseDescriptor(doc.subject, 'subject') } : {}),
    ...(doc.annotations !== undefined
      ? { annotations: parseAnnotations(doc.annotations, 'annotations') }
      : {}),
  };
}
