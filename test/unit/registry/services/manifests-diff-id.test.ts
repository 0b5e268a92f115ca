import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256Digest } from '../../../../lib/digest.js';
import { buildImageManifest } from '../../../../lib/manifest/index.js';
import { MediaType } from '../../../../lib/media-types.js';
import { TorrentPieceStream } from '../../../../lib/torrent.js';
import { Metadata } from '../../../../registry/metadata/metadata.js';
import { BlobService } from '../../../../registry/services/blobs.js';
import { ManifestService } from '../../../../registry/services/manifests.js';
import type { ByteRange } from '../../../../registry/storage/blob-store.js';
import { FsBlobStore } from '../../../../registry/storage/fs-blob-store.js';
import { fixtureConfig } from '../../../helpers/archives.js';

/** An FsBlobStore that counts whole reads of each blob (a diff_id gunzips the whole blob). */
class CountingStore extends FsBlobStore {
  readonly wholeReads = new Map<string, number>();
  override open(digest: Digest, range?: ByteRange): Promise<Readable> {
    if (!range) this.wholeReads.set(digest, (this.wholeReads.get(digest) ?? 0) + 1);
    return super.open(digest, range);
  }
}

// Security audit finding 3: one manifest naming a layer many times made the registry
// gunzip it each time (a 1.6 KB manifest naming a gzip bomb 8 times: 12 s of CPU).
describe('ManifestService: one diff_id computation per layer blob', () => {
  let dir: string;
  let store: CountingStore;
  let metadata: Metadata;
  let blobs: BlobService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docket-diff-id-'));
    store = new CountingStore(join(dir, 'blobs'));
    await store.init();
    metadata = Metadata.open(join(dir, 'docket.db'));
    blobs = new BlobService(store, metadata, (size) => new TorrentPieceStream(size));
  });
  afterEach(async () => {
    metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  const put = async (bytes: Buffer) => {
    await blobs.put(Readable.from([bytes]), { digest: sha256Digest(bytes), size: bytes.length });
    return sha256Digest(bytes);
  };

  /**
   * Stores a config claiming `claimed` for each of `times` copies of `layer` (stored) and
   * the manifest naming them, both uploaded to `repository`.
   */
  const manifestNaming = async (
    repository: string,
    layer: Buffer,
    claimed: Digest,
    times: number,
  ) => {
    const config = fixtureConfig(Array.from({ length: times }, () => claimed));
    blobs.link(repository, await put(config));
    blobs.link(repository, sha256Digest(layer));
    const layerDesc = {
      mediaType: MediaType.dockerLayerGzip,
      digest: sha256Digest(layer),
      size: layer.length,
    };
    return buildImageManifest({
      config: {
        mediaType: MediaType.dockerConfig,
        digest: sha256Digest(config),
        size: config.length,
      },
      layers: Array.from({ length: times }, () => layerDesc),
    });
  };

  it('gunzips a layer named 8 times in one manifest, and again in later manifests, once', async () => {
    const tar = Buffer.from('layer tar bytes '.repeat(1000));
    const layer = gzipSync(tar);
    const digest = await put(layer);
    const manifests = new ManifestService(metadata, blobs, { maxBytes: 1 << 30, maxRatio: 200 });
    const body = await manifestNaming('team/app', layer, sha256Digest(tar), 8);
    await manifests.put('team/app', 'v1', body, MediaType.dockerManifest, 'ci');
    await manifests.put('team/app', 'v2', body, MediaType.dockerManifest, 'ci');
    expect(store.wholeReads.get(digest)).toBe(1);
    expect(blobs.find(digest)?.diffId).toBe(sha256Digest(tar));
  });

  it('gunzips a gzip bomb (beyond the bounds, never indexed) once, however many manifests name it', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024));
    const digest = await put(bomb);
    const manifests = new ManifestService(metadata, blobs, {
      maxBytes: 1024 * 1024,
      maxRatio: 200,
    });
    const claimed = sha256Digest(Buffer.alloc(4 * 1024 * 1024));
    const body = await manifestNaming('evil/app', bomb, claimed, 8);
    await Promise.all([
      manifests.put('evil/app', 'a', body, MediaType.dockerManifest, 'ci'),
      manifests.put('evil/app', 'b', body, MediaType.dockerManifest, 'ci'),
    ]);
    await manifests.put('evil/app', 'c', body, MediaType.dockerManifest, 'ci');
    expect(store.wholeReads.get(digest)).toBe(1);
    expect(blobs.find(digest)?.diffId).toBeNull();
  });

  it('records a diff_id computed under a config that lied once a config claims it truly', async () => {
    const tar = Buffer.from('the real layer '.repeat(500));
    const layer = gzipSync(tar);
    const digest = await put(layer);
    const manifests = new ManifestService(metadata, blobs, { maxBytes: 1 << 30, maxRatio: 200 });
    const lie = await manifestNaming('evil/app', layer, sha256Digest('someone else'), 1);
    await manifests.put('evil/app', '1', lie, MediaType.dockerManifest, 'ci');
    expect(blobs.find(digest)?.diffId).toBeNull();
    const truth = await manifestNaming('team/app', layer, sha256Digest(tar), 1);
    await manifests.put('team/app', '1', truth, MediaType.dockerManifest, 'ci');
    expect(blobs.find(digest)?.diffId).toBe(sha256Digest(tar));
    expect(store.wholeReads.get(digest)).toBe(1);
  });
});
