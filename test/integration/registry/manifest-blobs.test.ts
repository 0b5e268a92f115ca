import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerEngine } from '../../../client/docker-engine.js';
import { RegistryClient } from '../../../client/registry-client.js';
import { pushImage } from '../../../client/services/push.js';
import type { CreatedToken } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import { MediaType } from '../../../lib/media-types.js';
import { buildTar, fixtureLayer, legacyEntries } from '../../helpers/archives.js';
import { openTestMetadata, startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { client, expectError } from './http.js';

/** The layer and config digests of a stored manifest. */
function blobsOf(manifest: Buffer): { config: string; layers: string[] } {
  const doc = JSON.parse(manifest.toString()) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  return { config: doc.config.digest, layers: doc.layers.map((l) => l.digest) };
}

/**
 * A manifest PUT names only blobs its repository holds (Distribution's linked blobs), for
 * every token, and every way a push gets a blob there (upload of a stored blob, mount,
 * docket push's layer reuse, tarball import) makes the repository hold it first.
 */
describe('a manifest names only blobs and manifests of its repository', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    reg = await startTestRegistry();
    api = client(reg);
    tmp = await tempDir('docket-manifest-blobs-');
  });
  afterAll(async () => {
    await reg?.close();
    await tmp?.cleanup();
  });

  it('refuses another repository’s blobs and manifests until they are uploaded or mounted', async () => {
    const theirs = await api.pushImage('held/a', 'v1', 'held by a');
    const { config, layers } = blobsOf(theirs.manifest);
    const put = (name: string, ref: string, body = theirs.manifest) =>
      api.request('PUT', `/v2/${name}/manifests/${ref}`, {
        body,
        headers: { 'Content-Type': MediaType.ociManifest },
      });
    // Even the admin token: the blob is stored, but held/b does not hold it.
    await expectError(await put('held/b', 'v1'), 400, 'MANIFEST_BLOB_UNKNOWN');
    expect((await api.request('HEAD', `/v2/held/b/blobs/${layers[0]}`)).status).toBe(404);
    expect((await api.request('HEAD', `/v2/held/a/blobs/${layers[0]}`)).status).toBe(200);
    // An upload of the stored bytes makes held/b hold the config; a mount, the layer.
    expect(await api.pushBlob('held/b', theirs.config)).toBe(config);
    await expectError(await put('held/b', 'v1'), 400, 'MANIFEST_BLOB_UNKNOWN');
    const mounted = await api.request(
      'POST',
      `/v2/held/b/blobs/uploads/?mount=${layers[0]}&from=held/a`,
    );
    expect(mounted.status).toBe(201);
    expect((await put('held/b', 'v1')).status).toBe(201);
    expect((await api.request('GET', `/v2/held/b/blobs/${layers[0]}`)).status).toBe(200);

    // A mount from a repository not holding the blob opens an ordinary upload.
    const notThere = await api.request(
      'POST',
      `/v2/held/c/blobs/uploads/?mount=${layers[0]}&from=held/empty`,
    );
    expect(notThere.status).toBe(202);
    await api.request('DELETE', notThere.headers.get('Location')!);

    // An index names only manifests of its repository.
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          { mediaType: MediaType.ociManifest, digest: theirs.digest, size: theirs.manifest.length },
        ],
      }),
    );
    const putIndex = (name: string) =>
      api.request('PUT', `/v2/${name}/manifests/all`, {
        body: index,
        headers: { 'Content-Type': MediaType.ociIndex },
      });
    await expectError(await putIndex('held/c'), 400, 'MANIFEST_BLOB_UNKNOWN');
    expect((await putIndex('held/b')).status).toBe(201);
  });

  it('a manifest’s subject may still name a manifest that does not exist yet', async () => {
    const image = await api.pushImage('held/subject', 'v1', 'subject image');
    const { config } = blobsOf(image.manifest);
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: 'application/vnd.example.sbom',
        config: { mediaType: MediaType.ociConfig, digest: config, size: image.config.length },
        layers: [],
        subject: {
          mediaType: MediaType.ociManifest,
          digest: sha256Digest('not pushed yet'),
          size: 10,
        },
      }),
    );
    const res = await api.request('PUT', `/v2/held/subject/manifests/${sha256Digest(referrer)}`, {
      body: referrer,
      headers: { 'Content-Type': MediaType.ociManifest },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('OCI-Subject')).toBe(sha256Digest('not pushed yet'));
  });

  it('docket push of an image whose layers another repository holds mounts them, then reads fine', async () => {
    const layer = await fixtureLayer({ 'base.txt': 'a layer two repositories share' });
    const archive = await buildTar(legacyEntries([layer], ['local/app:v1']));
    const engine = { exportImage: async () => Readable.from([archive]) } as unknown as DockerEngine;
    const push = (token: string, repository: string) =>
      pushImage(
        {
          engine,
          registry: new RegistryClient({ url: reg.url, token }),
          tmpDir: tmp.dir,
          concurrency: 1,
        },
        'local/app:v1',
        { repository, tag: 'v1' },
      );
    const first = await push(reg.token, 'shared/base');
    expect(first.layersUploaded).toBe(1);
    // The admin token may pull shared/base: the layer is mounted, not sent again.
    const second = await push(reg.token, 'shared/app');
    expect(second.layersSkipped).toBe(1);
    expect(second.bytesUploaded).toBeLessThan(first.bytesUploaded);
    // A token that may not pull shared/base cannot mount from it: the layer is sent.
    const res = await api.request('POST', '/docket/v1/tokens', {
      body: JSON.stringify({ name: 'team-pusher', scopes: ['push:team/*'] }),
      headers: { 'Content-Type': 'application/json' },
    });
    const team = ((await res.json()) as CreatedToken).token;
    const third = await push(team, 'team/app');
    expect(third.manifestDigest).toBe(first.manifestDigest);
    for (const name of ['shared/app', 'team/app']) {
      const got = await api.request('GET', `/v2/${name}/manifests/v1`, {
        headers: { Accept: MediaType.dockerManifest },
      });
      expect(got.status).toBe(200);
      const { config, layers } = blobsOf(Buffer.from(await got.arrayBuffer()));
      for (const digest of [config, ...layers]) {
        const blob = await api.request('GET', `/v2/${name}/blobs/${digest}`);
        expect(blob.status).toBe(200);
        expect(sha256Digest(Buffer.from(await blob.arrayBuffer()))).toBe(digest);
      }
    }
  });

  it('tarball import makes each tag’s repository hold the blobs it names', async () => {
    const layer = await fixtureLayer({ 'imported.txt': 'an imported layer' });
    const archive = await buildTar(legacyEntries([layer], ['imported/app:v1']));
    const res = await api.request('POST', '/docket/v1/images?tag=imported/app:v1', {
      body: archive,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const again = await api.request('POST', '/docket/v1/images?tag=imported/other:v1', {
      body: archive,
    });
    expect(again.status, await again.clone().text()).toBe(201);
    for (const name of ['imported/app', 'imported/other']) {
      const got = await api.request('GET', `/v2/${name}/manifests/v1`, {
        headers: { Accept: MediaType.dockerManifest },
      });
      const { config, layers } = blobsOf(Buffer.from(await got.arrayBuffer()));
      for (const digest of [config, ...layers])
        expect((await api.request('HEAD', `/v2/${name}/blobs/${digest}`)).status).toBe(200);
    }
  });
});

/**
 * A registry upgraded from before migration 6 (repository_blobs): its repositories hold
 * the blobs their manifests name, so a re-push of an existing image goes through.
 */
describe('a manifest re-pushed to a registry upgraded from before repository_blobs', () => {
  it('is accepted: the repository holds what its manifests name', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'docket-upgraded-'));
    try {
      let reg = await startTestRegistry({ dataDir });
      const image = await client(reg).pushImage('old/app', 'v1', 'pushed before the upgrade');
      await reg.close();
      // Back to the schema before migration 6: no links, only manifests.
      const metadata = await openTestMetadata(dataDir);
      metadata.db.exec(
        'DROP TABLE repository_blobs; DELETE FROM schema_migrations WHERE version = 6',
      );
      if (metadata.db.engine === 'sqlite') metadata.db.exec('PRAGMA user_version = 5');
      metadata.close();
      reg = await startTestRegistry({ dataDir });
      try {
        const api = client(reg);
        const { config, layers } = blobsOf(image.manifest);
        for (const digest of [config, ...layers])
          expect((await api.request('HEAD', `/v2/old/app/blobs/${digest}`)).status).toBe(200);
        const again = await api.request('PUT', '/v2/old/app/manifests/v2', {
          body: image.manifest,
          headers: { 'Content-Type': MediaType.ociManifest },
        });
        expect(again.status).toBe(201);
        await expectError(
          await api.request('PUT', '/v2/old/copy/manifests/v1', {
            body: image.manifest,
            headers: { 'Content-Type': MediaType.ociManifest },
          }),
          400,
          'MANIFEST_BLOB_UNKNOWN',
        );
      } finally {
        await reg.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
