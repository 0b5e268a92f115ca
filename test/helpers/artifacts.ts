import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { ArtifactType, EMPTY_DESCRIPTOR } from '../../lib/artifact-types.js';
import { sha256Digest } from '../../lib/digest.js';
import type { Descriptor } from '../../lib/manifest/index.js';
import { MediaType } from '../../lib/media-types.js';

/**
 * OCI 1.1 artifacts as cosign and oras push them (nothing can be downloaded here, so they
 * are built byte for byte): an image manifest with an `artifactType`, the empty descriptor
 * as config, the artifact's content as layers, and `subject` = the image it is about.
 */

export interface ArtifactBlob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface Artifact {
  /** The manifest as pushed, and its digest (the referrer's). */
  manifest: Buffer;
  digest: string;
  artifactType: string;
  /** Config and layers, each to upload before the manifest. */
  blobs: ArtifactBlob[];
}

/** cosign's simple-signing payload (sigstore/cosign `payload.SimpleContainerImage`). */
export const COSIGN_PAYLOAD_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The layer annotation holding the base64 signature of the payload. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

const EMPTY_BLOB: ArtifactBlob = {
  descriptor: { ...EMPTY_DESCRIPTOR },
  bytes: Buffer.from('{}'),
};

/** An ECDSA P-256 key pair, as `cosign generate-key-pair` makes. */
export function signingKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/**
 * A cosign signature of `subject` (cosign's OCI 1.1 mode): one layer, the simple-signing
 * payload naming `dockerReference` and the subject's digest, its ECDSA signature
 * (sha256) in the layer's `dev.cosignproject.cosign/signature` annotation.
 */
export function cosignSignature(
  subject: Descriptor,
  opts: { dockerReference: string; key: KeyObject; created?: string },
): Artifact {
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': opts.dockerReference },
        image: { 'docker-manifest-digest': subject.digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const signature = sign('sha256', payload, opts.key).toString('base64');
  const layer: ArtifactBlob = {
    descriptor: {
      mediaType: COSIGN_PAYLOAD_TYPE,
      digest: sha256Digest(payload),
      size: payload.length,
      annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signature },
    },
    bytes: payload,
  };
  return artifact(ArtifactType.cosignSignature, subject, [layer], opts.created);
}

/**
 * An SPDX 2.3 SBOM of `subject`, as `oras attach --artifact-type application/spdx+json`
 * pushes it: one layer of that media type. `packages` entries make it as big as a test
 * needs (past 1 MiB it is fetched as a torrent).
 */
export function spdxSbom(
  subject: Descriptor,
  opts: { name: string; packages?: number; created?: string },
): Artifact {
  const created = opts.created ?? new Date().toISOString();
  const doc = Buffer.from(
    JSON.stringify({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: opts.name,
      documentNamespace: `https://docket.test/spdx/${subject.digest}`,
      creationInfo: { created, creators: ['Tool: docket-test'] },
      packages: Array.from({ length: opts.packages ?? 3 }, (_, i) => ({
        SPDXID: `SPDXRef-Package-${i}`,
        name: `package-${i}`,
        versionInfo: `1.${i}.0`,
        downloadLocation: 'NOASSERTION',
        licenseConcluded: 'MIT',
      })),
    }),
  );
  const layer: ArtifactBlob = {
    descriptor: {
      mediaType: ArtifactType.spdx,
      digest: sha256Digest(doc),
      size: doc.length,
      annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' },
    },
    bytes: doc,
  };
  return artifact(ArtifactType.spdx, subject, [layer], created);
}

function artifact(
  artifactType: string,
  subject: Descriptor,
  layers: ArtifactBlob[],
  created = new Date().toISOString(),
): Artifact {
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType,
      config: EMPTY_BLOB.descriptor,
      layers: layers.map((l) => l.descriptor),
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { [CREATED_ANNOTATION]: created },
    }),
  );
  return {
    manifest,
    digest: sha256Digest(manifest),
    artifactType,
    blobs: [EMPTY_BLOB, ...layers],
  };
}

export interface RegistryEndpoint {
  /** http://host:port */
  url: string;
  token?: string;
}

/**
 * Pushes `artifact` to `repository` as a client does: each blob by an upload session
 * (distribution-spec "POST then PUT"), then the manifest by its digest. Resolves with the
 * manifest PUT's status and its `OCI-Subject` header (set by a registry that indexes
 * referrers); throws on a failed blob upload.
 */
export async function pushArtifact(
  registry: RegistryEndpoint,
  repository: string,
  artifact: Artifact,
): Promise<{ status: number; subject: string | null }> {
  const auth: Record<string, string> = registry.token
    ? { authorization: `Bearer ${registry.token}` }
    : {};
  for (const blob of artifact.blobs) {
    const opened = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers: auth,
    });
    await opened.body?.cancel();
    const location = opened.headers.get('location');
    if (opened.status !== 202 || !location)
      throw new Error(`upload of ${blob.descriptor.digest} not opened: ${opened.status}`);
    const url = new URL(location, registry.url);
    url.searchParams.set('digest', blob.descriptor.digest);
    const put = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: blob.bytes,
    });
    await put.body?.cancel();
    if (put.status !== 201)
      throw new Error(`upload of ${blob.descriptor.digest} failed: ${put.status}`);
  }
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${artifact.digest}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': MediaType.ociManifest },
    body: artifact.manifest,
  });
  await res.body?.cancel();
  return { status: res.status, subject: res.headers.get('oci-subject') };
}

/** The descriptor of the manifest `repository:reference` (the `subject` of an artifact). */
export async function manifestDescriptor(
  registry: RegistryEndpoint,
  repository: string,
  reference: string,
): Promise<Descriptor> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    headers: {
      accept: [MediaType.ociManifest, MediaType.dockerManifest, MediaType.ociIndex].join(', '),
      ...(registry.token ? { authorization: `Bearer ${registry.token}` } : {}),
    },
  });
  if (res.status !== 200) throw new Error(`${repository}:${reference}: ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const mediaType = res.headers.get('content-type')?.split(';')[0] ?? MediaType.ociManifest;
  return { mediaType, digest: sha256Digest(body), size: body.length };
}
