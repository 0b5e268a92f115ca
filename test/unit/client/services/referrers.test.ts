import { describe, expect, it } from 'vitest';
import type { FetchedManifest, RegistryClient } from '../../../../client/registry-client.js';
import { fetchReferrers, listReferrers } from '../../../../client/services/referrers.js';
import { ArtifactType, EMPTY_DESCRIPTOR } from '../../../../lib/artifact-types.js';
import { type Digest, sha256Digest } from '../../../../lib/digest.js';
import type { Descriptor } from '../../../../lib/manifest/index.js';
import { MediaType } from '../../../../lib/media-types.js';
import {
  type Artifact,
  cosignSignature,
  signingKey,
  spdxSbom,
} from '../../../helpers/artifacts.js';

const image: Descriptor = {
  mediaType: MediaType.ociManifest,
  digest: sha256Digest('image'),
  size: 1234,
};
const key = signingKey().privateKey;
const sig = cosignSignature(image, { dockerReference: 'r/app', key });
const sbom = spdxSbom(image, { name: 'app' });
const descriptorOf = (a: Artifact): Descriptor => ({
  mediaType: MediaType.ociManifest,
  digest: a.digest,
  size: a.manifest.length,
  artifactType: a.artifactType,
});
const sbomDescriptor = descriptorOf(sbom);
// The SBOM's own signature: a referrer of a referrer.
const sbomSig = cosignSignature(sbomDescriptor, { dockerReference: 'r/app', key });
// A signature of that signature: one level deeper than fetched.
const tooDeep = cosignSignature(descriptorOf(sbomSig), { dockerReference: 'r/app', key });

/** A registry whose referrers lists are `lists` and whose manifests are the artifacts. */
function fakeRegistry(lists: Record<string, Artifact[]>) {
  const all = Object.values(lists).flat();
  const asked: string[] = [];
  const registry: Pick<RegistryClient, 'getReferrers' | 'getManifest'> = {
    getReferrers: async (_name, digest) => {
      asked.push(digest);
      return (lists[digest] ?? []).map(descriptorOf);
    },
    getManifest: async (_name, reference): Promise<FetchedManifest> => {
      const a = all.find((x) => x.digest === reference);
      if (!a) throw new Error(`no manifest ${reference}`);
      return { body: a.manifest, mediaType: MediaType.ociManifest, digest: a.digest as Digest };
    },
  };
  return { registry, asked };
}

describe('listReferrers', () => {
  it('lists each subject once, each referrer with its subject', async () => {
    const { registry, asked } = fakeRegistry({ [image.digest]: [sig, sbom] });
    const d = image.digest as Digest;
    const found = await listReferrers(registry, 'app', [d, d]);
    expect(asked).toEqual([d]);
    expect(found.map((r) => [r.subject, r.artifactType])).toEqual([
      [d, ArtifactType.cosignSignature],
      [d, ArtifactType.spdx],
    ]);
  });
});

describe('fetchReferrers', () => {
  it('keeps each referrer manifest and fetches its blobs once, two levels deep', async () => {
    const { registry } = fakeRegistry({
      [image.digest]: [sig, sbom],
      [sbom.digest]: [sbomSig],
      [sbomSig.digest]: [tooDeep],
    });
    const kept: string[] = [];
    const blobs: string[] = [];
    const result = await fetchReferrers(
      {
        registry,
        concurrency: 2,
        keepManifest: async (m, size) => {
          expect(size).toBe(m.body.length);
          kept.push(m.digest);
        },
        fetchBlob: async (b) => {
          blobs.push(b.digest);
        },
      },
      'app',
      [image.digest as Digest],
    );
    expect(kept.sort()).toEqual([sig.digest, sbom.digest, sbomSig.digest].sort());
    expect(kept).not.toContain(tooDeep.digest);
    // The empty config once, and each artifact's one layer.
    const layers = [sig, sbom, sbomSig].map((a) => a.blobs[1]?.descriptor.digest);
    expect(blobs.sort()).toEqual([EMPTY_DESCRIPTOR.digest, ...layers].sort());
    expect(result).toMatchObject({ manifests: 3, blobs: 4 });
    const manifestBytes = sig.manifest.length + sbom.manifest.length + sbomSig.manifest.length;
    const blobBytes = [sig, sbom, sbomSig].reduce((n, a) => n + (a.blobs[1]?.bytes.length ?? 0), 2);
    expect(result.bytes).toBe(manifestBytes + blobBytes);
    expect(result.referrers.map((r) => r.digest)).toEqual([
      sig.digest,
      sbom.digest,
      sbomSig.digest,
    ]);
  });

  it('fetches nothing for an image without referrers', async () => {
    const { registry } = fakeRegistry({});
    const result = await fetchReferrers(
      {
        registry,
        concurrency: 2,
        keepManifest: () => Promise.reject(new Error('none')),
        fetchBlob: () => Promise.reject(new Error('none')),
      },
      'app',
      [image.digest as Digest],
    );
    expect(result).toEqual({ manifests: 0, blobs: 0, bytes: 0, referrers: [] });
  });
});
