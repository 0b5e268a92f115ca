/**
 * Artifact types (image-spec v1.1 manifest.md "artifactType") of the artifacts users
 * attach to images as referrers, and the OCI empty descriptor such artifacts use as their
 * config (image-spec manifest.md "Guidance for an Empty Descriptor").
 */
export const ArtifactType = {
  cosignSignature: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  cosignSbom: 'application/vnd.dev.cosign.artifact.sbom.v1+json',
  notationSignature: 'application/vnd.cncf.notary.signature',
  spdx: 'application/spdx+json',
  cycloneDx: 'application/vnd.cyclonedx+json',
  inToto: 'application/vnd.in-toto+json',
} as const;

/** The empty JSON object `{}`: a config that carries nothing. */
export const EMPTY_DESCRIPTOR = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
} as const;

export type ArtifactKind = 'signature' | 'SBOM' | 'attestation';

const KINDS: ReadonlyArray<[RegExp, ArtifactKind]> = [
  [/signature|\.sig\b|\.sig\.|notary/i, 'signature'],
  [/sbom|spdx|cyclonedx|syft/i, 'SBOM'],
  [/in-toto|attestation|provenance|slsa|vex/i, 'attestation'],
];

/** What an artifact type holds, as people name it; undefined for one docket does not know. */
export function artifactKind(artifactType: string | undefined): ArtifactKind | undefined {
  if (!artifactType) return undefined;
  return KINDS.find(([pattern]) => pattern.test(artifactType))?.[1];
}
