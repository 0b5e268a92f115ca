import { isDigest } from '../digest.js';
import { ManifestInvalidError } from '../errors.js';
import type { Descriptor, Platform } from './types.js';

/** A JSON object, as JSON.parse gives it. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A descriptor (image-spec descriptor.md) at `where` in the document: mediaType, a sha256
 * digest and a size are required; urls, annotations, platform, artifactType and data are
 * checked and kept when present, other keys left out. Throws ManifestInvalidError.
 */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new ManifestInvalidError(`${where} must be a descriptor object`);
  if (typeof value.mediaType !== 'string')
    throw new ManifestInvalidError(`${where}.mediaType must be a string`);
  if (typeof value.digest !== 'string' || !isDigest(value.digest))
    throw new ManifestInvalidError(`${where}.digest must be a sha256 digest`);
  const size = value.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new ManifestInvalidError(`${where}.size must be a non-negative integer`);
  const out: Descriptor = { mediaType: value.mediaType, digest: value.digest, size };
  if (value.urls !== undefined) out.urls = stringsAt(value.urls, `${where}.urls`);
  if (value.annotations !== undefined)
    out.annotations = parseAnnotations(value.annotations, `${where}.annotations`);
  if (value.platform !== undefined) out.platform = platform(value.platform, `${where}.platform`);
  if (value.artifactType !== undefined)
    out.artifactType = stringAt(value.artifactType, `${where}.artifactType`);
  if (value.data !== undefined) out.data = stringAt(value.data, `${where}.data`);
  return out;
}

/** The array of descriptors at `where`. Throws ManifestInvalidError. */
export function parseDescriptors(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw new ManifestInvalidError(`${where} must be an array`);
  return value.map((d, i) => parseDescriptor(d, `${where}[${i}]`));
}

/** image-spec annotations.md: a map of strings to strings. Throws ManifestInvalidError. */
export function parseAnnotations(value: unknown, where: string): Record<string, string> {
  if (!isObject(value)) throw new ManifestInvalidError(`${where} must map strings to strings`);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, stringAt(v, `${where}["${k}"]`)]),
  );
}

export function stringAt(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new ManifestInvalidError(`${where} must be a string`);
  return value;
}

function stringsAt(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string'))
    throw new ManifestInvalidError(`${where} must be an array of strings`);
  return [...value];
}

function platform(value: unknown, where: string): Platform {
  if (!isObject(value)) throw new ManifestInvalidError(`${where} must be an object`);
  const out: Platform = {
    os: stringAt(value.os, `${where}.os`),
    architecture: stringAt(value.architecture, `${where}.architecture`),
  };
  if (value.variant !== undefined) out.variant = stringAt(value.variant, `${where}.variant`);
  if (value['os.version'] !== undefined)
    out['os.version'] = stringAt(value['os.version'], `${where}.os.version`);
  if (value['os.features'] !== undefined)
    out['os.features'] = stringsAt(value['os.features'], `${where}.os.features`);
  return out;
}
