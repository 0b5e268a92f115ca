import { describe, expect, it } from 'vitest';
import { ArtifactType, artifactKind, EMPTY_DESCRIPTOR } from '../../../lib/artifact-types.js';
import { sha256Digest } from '../../../lib/digest.js';

describe('artifact types', () => {
  it('the empty descriptor names the two bytes {}', () => {
    expect(EMPTY_DESCRIPTOR.digest).toBe(sha256Digest('{}'));
    expect(EMPTY_DESCRIPTOR.size).toBe(2);
  });

  it.each([
    [ArtifactType.cosignSignature, 'signature'],
    [ArtifactType.notationSignature, 'signature'],
    [ArtifactType.spdx, 'SBOM'],
    [ArtifactType.cycloneDx, 'SBOM'],
    [ArtifactType.cosignSbom, 'SBOM'],
    ['application/vnd.in-toto+json', 'attestation'],
    ['application/vnd.example.unknown', undefined],
    [undefined, undefined],
  ])('%s is a %s', (type, kind) => {
    expect(artifactKind(type)).toBe(kind);
  });
});
