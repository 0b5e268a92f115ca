import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { paths } from '../../../lib/api/index.js';
import { type Digest, sha256Digest } from '../../../lib/digest.js';
import type { Descriptor, ImageIndex } from '../../../lib/manifest/index.js';
import { MediaType } from '../../../lib/media-types.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client, expectError } from './http.js';
import { ageEverything, runGc } from './lifecycle-images.js';

const EMPTY = Buffer.from('{}');
const EMPTY_TYPE = 'application/vnd.oci.empty.v1+json';
const SIG_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM_TYPE = 'application/spdx+json';

describe('referrers (distribution-spec v1.1)', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeEach(async () => {
    reg = await startTestRegistry({ trackerUrls: ['http://127.0.0.1:1/announce'] });
    api = client(reg);
  });
  afterEach(() => reg?.close());

  /**
   * Pushes an artifact manifest (the shape cosign and oras push: the empty config, one
   * layer) by digest, naming `subject`; returns its digest, size and the PUT's answer.
   */
  async function pushArtifact(
    name: string,
    subject: { digest: Digest; size: number },
    layer: { mediaType: string; content: string },
    opts: { artifactType?: string; configType?: string; annotations?: Record<string, string> },
  ) {
    const bytes = Buffer.from(layer.content);
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
        config: {
          mediaType: opts.configType ?? EMPTY_TYPE,
          digest: await api.pushBlob(name, EMPTY),
          size: 2,
        },
        layers: [
          {
            mediaType: layer.mediaType,
            digest: await api.pushBlob(name, bytes),
            size: bytes.length,
          },
        ],
        subject: { mediaType: MediaType.ociManifest, ...subject },
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      }),
    );
    const digest = sha256Digest(body);
    const res = await api.request('PUT', paths.manifest(name, digest), {
      body,
      headers: { 'Content-Type': MediaType.ociManifest },
    });
    expect(res.status, await res.text()).toBe(201);
    return { digest, size: body.length, res };
  }

  async function referrers(name: string, digest: Digest, artifactType?: string) {
    const res = await api.request('GET', paths.referrers(name, digest, artifactType));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('Content-Type')).toBe(MediaType.ociIndex);
    return { res, index: JSON.parse(text) as ImageIndex };
  }

  /** A signature (with annotations) and an SBOM referring to a tagged image. */
  async function signedImage(name: string) {
    const image = await api.pushImage(name, 'v1', `image of ${name}`);
    const subject = { digest: image.digest, size: image.manifest.length };
    const sig = await pushArtifact(
      name,
      subject,
      { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', content: `sig ${name}` },
      { artifactType: SIG_TYPE, annotations: { 'dev.cosignproject.cosign/signature': 'MEUC' } },
    );
    const sbom = await pushArtifact(
      name,
      subject,
      { mediaType: SBOM_TYPE, content: `{"spdxVersion":"SPDX-2.3","name":"${name}"}` },
      { artifactType: SBOM_TYPE },
    );
    return { image, sig, sbom };
  }

  it('answers a PUT with a subject with OCI-Subject, and lists the referrers', async () => {
    const { image, sig, sbom } = await signedImage('team/app');
    expect(sig.res.headers.get('OCI-Subject')).toBe(image.digest);
    expect(sbom.res.headers.get('OCI-Subject')).toBe(image.digest);
    const plain = await api.request('PUT', paths.manifest('team/app', 'v2'), {
      body: image.manifest,
      headers: { 'Content-Type': MediaType.ociManifest },
    });
    expect(plain.status).toBe(201);
    expect(plain.headers.get('OCI-Subject')).toBeNull();

    const { res, index } = await referrers('team/app', image.digest);
    expect(res.headers.get('OCI-Filters-Applied')).toBeNull();
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(MediaType.ociIndex);
    const expected: Descriptor[] = [
      {
        mediaType: MediaType.ociManifest,
        digest: sig.digest,
        size: sig.size,
        artifactType: SIG_TYPE,
        annotations: { 'dev.cosignproject.cosign/signature': 'MEUC' },
      },
      {
        mediaType: MediaType.ociManifest,
        digest: sbom.digest,
        size: sbom.size,
        artifactType: SBOM_TYPE,
      },
    ];
    const byDigest = (a: Descriptor, b: Descriptor) => a.digest.localeCompare(b.digest);
    expect([...index.manifests].sort(byDigest)).toEqual(expected.sort(byDigest));

    // Only this repository's referrers.
    expect((await referrers('team/other', image.digest)).index.manifests).toEqual([]);
  });

  it('filters by artifactType and says so', async () => {
    const { image, sbom } = await signedImage('team/app');
    const { res, index } = await referrers('team/app', image.digest, SBOM_TYPE);
    expect(res.headers.get('OCI-Filters-Applied')).toBe('artifactType');
    expect(index.manifests.map((d) => d.digest)).toEqual([sbom.digest]);
    const none = await referrers('team/app', image.digest, 'application/x-none');
    expect(none.index.manifests).toEqual([]);
  });

  it("takes the config's media type as the artifact type when the manifest names none", async () => {
    const image = await api.pushImage('team/app', 'v1', 'image');
    const att = await pushArtifact(
      'team/app',
      { digest: image.digest, size: image.manifest.length },
      { mediaType: 'application/vnd.in-toto+json', content: '{}' },
      { configType: 'application/vnd.example.attestation.config.v1+json' },
    );
    const { index } = await referrers('team/app', image.digest);
    expect(index.manifests).toEqual([
      {
        mediaType: MediaType.ociManifest,
        digest: att.digest,
        size: att.size,
        artifactType: 'application/vnd.example.attestation.config.v1+json',
      },
    ]);
  });

  it('answers an empty index for a digest nothing refers to, and for a missing subject', async () => {
    const unknown = sha256Digest(Buffer.from('nothing refers to this'));
    const { index } = await referrers('team/none', unknown);
    expect(index).toEqual({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] });

    // A referrer may be pushed before its subject (distribution-spec "Pushing Manifests with Subject").
    const missing = sha256Digest(Buffer.from('a subject not pushed yet'));
    const sig = await pushArtifact(
      'team/app',
      { digest: missing, size: 123 },
      { mediaType: 'application/octet-stream', content: 'sig' },
      { artifactType: SIG_TYPE },
    );
    expect(sig.res.headers.get('OCI-Subject')).toBe(missing);
    const listed = await referrers('team/app', missing);
    expect(listed.index.manifests.map((d) => d.digest)).toEqual([sig.digest]);

    await expectError(
      await api.request('GET', '/v2/team/app/referrers/sha256:nothex'),
      400,
      'DIGEST_INVALID',
    );
  });

  it('pages a long list with a Link to the next page', async () => {
    const image = await api.pushImage('team/app', 'v1', 'image');
    const subject = { digest: image.digest, size: image.manifest.length };
    const pushed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await pushArtifact(
        'team/app',
        subject,
        { mediaType: 'application/octet-stream', content: `sig ${i}` },
        { artifactType: SIG_TYPE },
      );
      pushed.push(a.digest);
    }
    const seen: string[] = [];
    let next: string | undefined = `${paths.referrers('team/app', image.digest, SIG_TYPE)}&n=2`;
    let pages = 0;
    while (next) {
      const res = await api.request('GET', next);
      expect(res.status).toBe(200);
      const index = (await res.json()) as ImageIndex;
      expect(index.manifests.length).toBeLessThanOrEqual(2);
      seen.push(...index.manifests.map((d) => d.digest));
      next = /^<([^>]+)>; rel="next"$/.exec(res.headers.get('Link') ?? '')?.[1];
      if (next) expect(next).toContain(`artifactType=${encodeURIComponent(SIG_TYPE)}`);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...pushed].sort());
  });

  it('drops a deleted referrer from the list', async () => {
    const { image, sig, sbom } = await signedImage('team/app');
    expect((await api.request('DELETE', paths.manifest('team/app', sig.digest))).status).toBe(202);
    const { index } = await referrers('team/app', image.digest);
    expect(index.manifests.map((d) => d.digest)).toEqual([sbom.digest]);
  });

  it('keeps the referrers of a tagged image through gc and drops those of an untagged one', async () => {
    const kept = await signedImage('team/kept');
    const gone = await signedImage('team/gone');
    expect((await api.request('DELETE', paths.manifest('team/gone', 'v1'))).status).toBe(202);

    // Within the grace period nothing goes.
    expect((await runGc(api)).manifests).toEqual([]);

    await ageEverything(reg);
    const swept = await runGc(api, '?graceSeconds=0&force=1');
    expect([...swept.manifests].sort()).toEqual(
      [gone.image.digest, gone.sig.digest, gone.sbom.digest].sort(),
    );
    const { index } = await referrers('team/kept', kept.image.digest);
    expect(index.manifests.map((d) => d.digest).sort()).toEqual(
      [kept.sig.digest, kept.sbom.digest].sort(),
    );
    expect((await api.request('GET', paths.manifest('team/kept', kept.sig.digest))).status).toBe(
      200,
    );
    expect((await referrers('team/gone', gone.image.digest)).index.manifests).toEqual([]);
    await expectError(
      await api.request('GET', paths.manifest('team/gone', gone.sig.digest)),
      404,
      'MANIFEST_UNKNOWN',
    );
  });
});

describe('distribution-spec v1.1.1 answers', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeEach(async () => {
    reg = await startTestRegistry({ trackerUrls: ['http://127.0.0.1:1/announce'] });
    api = client(reg);
  });
  afterEach(() => reg?.close());

  it('answers GET/HEAD of a malformed reference 404 MANIFEST_UNKNOWN, PUT 400', async () => {
    const image = await api.pushImage('team/app', 'v1', 'image');
    const bad = paths.manifest('team/app', '.INVALID_MANIFEST_NAME');
    await expectError(await api.request('GET', bad), 404, 'MANIFEST_UNKNOWN');
    const head = await api.request('HEAD', bad);
    expect(head.status).toBe(404);
    const put = await api.request('PUT', bad, {
      body: image.manifest,
      headers: { 'Content-Type': MediaType.ociManifest },
    });
    await expectError(put, 400, 'TAG_INVALID');
  });

  it('challenges an anonymous GET of an upload with 401, and answers it with the token', async () => {
    const open = await api.request('POST', paths.uploads('team/app'));
    expect(open.status).toBe(202);
    const location = open.headers.get('Location')!;
    const anonymous = await api.request('GET', location, { anonymous: true });
    expect(anonymous.headers.get('WWW-Authenticate')).toMatch(/^(Basic|Bearer) realm=/);
    await expectError(anonymous, 401, 'UNAUTHORIZED');
    const status = await api.request('GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.get('Range')).toBe('0-0');
  });
});
