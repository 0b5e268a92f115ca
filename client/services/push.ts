import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipelineCb, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GZIP_SAMPLE_BYTES, gzipLayer, gzipPays } from '../../lib/archive/gzip.js';
import { readImageArchive } from '../../lib/archive/reader.js';
import type { ArchiveImage, ArchiveLayer } from '../../lib/archive/types.js';
import { type Digest, DigestStream, parseDigest } from '../../lib/digest.js';
import { ArchiveError } from '../../lib/errors.js';
import { buildImageManifest } from '../../lib/manifest.js';
import { type Descriptor, MediaType } from '../../lib/media-types.js';
import type { DockerEngine } from '../docker-engine.js';
import type { RegistryClient } from '../registry-client.js';
import { mapLimit } from './map-limit.js';
import { type TempFile, TempFileSink } from './temp-sink.js';

export interface PushDeps {
  engine: DockerEngine;
  registry: RegistryClient;
  /** Parent of the temp dir the image is unpacked into (removed at the end). */
  tmpDir: string;
  /** Layers compressed/uploaded at once. */
  concurrency: number;
  onEvent?(event: PushEvent): void;
}

export type PushEvent =
  | { kind: 'exported'; layers: number }
  | {
      kind: 'layer-progress';
      index: number;
      diffId: Digest;
      phase: LayerPhase;
      /** Bytes read (compressing: of the uncompressed layer) or sent (uploading) so far. */
      bytes: number;
      /** What `bytes` goes up to. */
      size: number;
    }
  | { kind: 'layer'; index: number; diffId: Digest; outcome: LayerOutcome; size: number }
  | { kind: 'config'; uploaded: boolean }
  | { kind: 'manifest'; digest: Digest };

export type LayerPhase = 'compressing' | 'uploading';

/** known: the registry stores a compressed blob of that diffId; present: HEAD found the blob. */
export type LayerOutcome = 'known' | 'present' | 'uploaded';

export interface PushResult {
  repository: string;
  tag: string;
  manifestDigest: Digest;
  layers: number;
  layersUploaded: number;
  layersSkipped: number;
  configUploaded: boolean;
  /** Bytes of blobs sent (layers and config). */
  bytesUploaded: number;
  seconds: number;
}

/**
 * Pushes the engine's image `source` to `repository:tag`: reads its `docker save`
 * archive, reuses layers the registry already stores (by diffId, then by blob digest),
 * gzips and uploads the others, then the config, then PUTs a Docker schema2 manifest.
 */
export async function pushImage(
  deps: PushDeps,
  source: string,
  target: { repository: string; tag: string },
): Promise<PushResult> {
  const started = performance.now();
  const dir = await mkdtemp(join(deps.tmpDir, 'docket-push-'));
  try {
    const image = await readLocalImage(deps.engine, source, dir);
    deps.onEvent?.({ kind: 'exported', layers: image.layers.length });
    let bytesUploaded = 0;
    const outcomes = await mapLimit(image.layers, deps.concurrency, async (layer, index) => {
      const onProgress = (phase: LayerPhase, bytes: number, size: number) =>
        deps.onEvent?.({ kind: 'layer-progress', index, diffId: layer.diffId, phase, bytes, size });
      const { descriptor, outcome } = await pushLayer(deps, target.repository, layer, onProgress);
      if (outcome === 'uploaded') bytesUploaded += descriptor.size;
      deps.onEvent?.({
        kind: 'layer',
        index,
        diffId: layer.diffId,
        outcome,
        size: descriptor.size,
      });
      return { descriptor, outcome };
    });
    const config: Descriptor = {
      mediaType: MediaType.dockerConfig,
      digest: image.configDigest,
      size: image.config.length,
    };
    const configUploaded = !(await deps.registry.hasBlob(target.repository, image.configDigest));
    if (configUploaded) {
      await deps.registry.uploadBlob(target.repository, image.configDigest, config.size, () =>
        bufferStream(image.config),
      );
      bytesUploaded += config.size;
    }
    deps.onEvent?.({ kind: 'config', uploaded: configUploaded });
    const manifestDigest = await deps.registry.putManifest(
      target.repository,
      target.tag,
      buildImageManifest({ config, layers: outcomes.map((o) => o.descriptor) }),
      MediaType.dockerManifest,
    );
    deps.onEvent?.({ kind: 'manifest', digest: manifestDigest });
    const uploaded = outcomes.filter((o) => o.outcome === 'uploaded').length;
    return {
      ...target,
      manifestDigest,
      layers: outcomes.length,
      layersUploaded: uploaded,
      layersSkipped: outcomes.length - uploaded,
      configUploaded,
      bytesUploaded,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readLocalImage(
  engine: DockerEngine,
  source: string,
  dir: string,
): Promise<ArchiveImage<TempFile>> {
  const archive = await engine.exportImage(source);
  const images = await readImageArchive(archive, new TempFileSink(dir));
  const image = images.find((i) => i.tags.includes(source)) ?? images[0];
  if (!image) throw new ArchiveError('no-manifest', `the engine exported no image for ${source}`);
  return image;
}

async function pushLayer(
  deps: PushDeps,
  repository: string,
  layer: ArchiveLayer<TempFile>,
  onProgress: (phase: LayerPhase, bytes: number, size: number) => void,
): Promise<{ descriptor: Descriptor; outcome: LayerOutcome }> {
  let descriptor: Descriptor;
  let path: string;
  if (layer.compressed) {
    descriptor = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
    path = layer.stored.path;
  } else {
    const known = await deps.registry.findLayer(layer.diffId);
    if (known) {
      const { mediaType, digest, size } = known;
      return { descriptor: { mediaType, digest, size }, outcome: 'known' };
    }
    if (gzipPays(await readHead(layer.stored.path, GZIP_SAMPLE_BYTES))) {
      const gz = await compress(layer.stored.path, `${layer.stored.path}.gz`, (bytes) =>
        onProgress('compressing', bytes, layer.size),
      );
      descriptor = { mediaType: MediaType.dockerLayerGzip, digest: gz.digest, size: gz.size };
      path = gz.path;
    } else {
      descriptor = { mediaType: MediaType.dockerLayer, digest: layer.digest, size: layer.size };
      path = layer.stored.path;
    }
  }
  const digest = parseDigest(descriptor.digest);
  if (await deps.registry.hasBlob(repository, digest)) return { descriptor, outcome: 'present' };
  const size = descriptor.size;
  onProgress('uploading', 0, size);
  await deps.registry.uploadBlob(repository, digest, size, () =>
    counted(createReadStream(path), (bytes) => onProgress('uploading', bytes, size)),
  );
  return { descriptor, outcome: 'uploaded' };
}

/** The first `bytes` bytes of a file (fewer when it is shorter). */
async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** `source` through a counter that reports the bytes passed so far. */
function counted(source: Readable, onBytes: (bytes: number) => void): Readable {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onBytes(bytes);
      done(null, chunk);
    },
  });
  // An error of the file stream reaches the counter, hence the upload.
  return pipelineCb(source, counter, () => {});
}

async function compress(
  from: string,
  to: string,
  onBytes: (bytes: number) => void,
): Promise<{ path: string; digest: Digest; size: number }> {
  const hash = new DigestStream();
  onBytes(0);
  await pipeline(
    counted(createReadStream(from), onBytes),
    gzipLayer(),
    hash,
    createWriteStream(to),
  );
  return { path: to, ...hash.result() };
}

function bufferStream(data: Buffer) {
  return Readable.from([data]);
}
