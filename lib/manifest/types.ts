/**
 * The manifest documents of the Docker image manifest v2 schema 2 and the OCI image-spec
 * (v1.1), as lib/manifest/parse.ts returns them once validated.
 */

/** A platform (image-spec image-index.md "platform"), in GOOS/GOARCH words. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** image-spec descriptor.md */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  /** Only in an index's `manifests`. */
  platform?: Platform;
  artifactType?: string;
  /** The content itself, base64 (an embedded descriptor). */
  data?: string;
}

/** A single-image manifest: Docker schema2 or OCI image manifest (image-spec manifest.md). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  /** The manifest this one refers to (OCI 1.1 referrers). */
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image index or Docker manifest list (image-spec image-index.md). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/**
 * A validated manifest and its media type: the request's or response's Content-Type when
 * it names a manifest type, else the document's `mediaType`.
 */
export type ParsedManifest =
  | { kind: 'image'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };
