import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { StoredBlob } from '../../lib/archive/entry.js';
import { readImageArchive } from '../../lib/archive/reader.js';
import type { ArchiveImage } from '../../lib/archive/types.js';
import type { Digest } from '../../lib/digest.js';
import { ArchiveError } from '../../lib/errors.js';
import { buildImageManifest, type Descriptor } from '../../lib/manifest/index.js';
import { MediaType } from '../../lib/media-types.js';
import type { DockerEngine } from '../docker-engine.js';
import type { RegistryClient } from '../registry-client.js';
import { limiter, mapLimit } from './map-limit.js';
import {
  type LayerBytes,
  type LayerOutcome,
  type LayerPhase,
  type LayerProgressFn,
  type SentLayer,
  sendLayer,
} from './push-layer.js';
import { type TempFile, TempFileSink } from './temp-sink.js';

export interface PushDeps {
  engine: DockerEngine;
  registry: RegistryClient;
  /** Parent of the temp dir the image is unpacked into (removed at the end). */
  tmpDir: string;
  /** Layers compressed/uploaded at once. */
  concurrency: number;
  /**
   * Stops the push (Ctrl-C): the engine's export and every upload are cut at once, and the
   * push rejects with the signal's reason. A cut upload leaves no blob on the registry (it
   * commits a blob only once its digest is checked), so pushing again skips only the layers
   * that were whole.
   */
  signal?: AbortSignal;
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
  | {
      kind: 'layer';
      index: number;
      diffId: Digest;
      /** The layer's blob in the registry (what a pull names it by). */
      digest: Digest;
      outcome: LayerOutcome;
      size: number;
    }
  | { kind: 'config'; uploaded: boolean }
  | { kind: 'manifest'; digest: Digest };

export type { LayerOutcome, LayerPhase } from './push-layer.js';

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
 * Pushes the engine's image `source` to `repository:tag`: checks the token first
 * (UnauthorizedError before any export), reads its `docker save` archive, reuses layers
 * the registry already stores (by diffId, then by blob digest), gzips and uploads the
 * others, then the config, then PUTs a Docker schema2 manifest.
 */
export async function pushImage(
  deps: PushDeps,
  source: string,
  target: { repository: string; tag: string },
): Promise<PushResult> {
  const { signal } = deps;
  signal?.throwIfAborted();
  // A wrong or missing token fails now, not after the whole image was read out of the
  // engine: `GET /v2/` needs a token the registry accepts (the one a push needs).
  await deps.registry.ping();
  const started = performance.now();
  const dir = await mkdtemp(join(deps.tmpDir, 'docket-push-'));
  const stopped = signal ? rejectOnAbort(signal) : undefined;
  // Layers go to the registry while the engine still exports the rest (docker save writes
  // its manifest last): each file the archive reader stores is sent at once, and the
  // layers of the manifest then pick up those sends.
  // Their progress is held until the manifest says which layer each file is.
  const early = new Map<TempFile, { sending: Promise<SentLayer>; progress: ProgressRelay }>();
  const limit = limiter(deps.concurrency);
  const send = (file: TempFile, hashed: LayerHash, onProgress: LayerProgressFn) =>
    sendLayer(deps.registry, target.repository, layerBytes(file, hashed), onProgress, signal);
  const run = async (): Promise<PushResult> => {
    const image = await readLocalImage(deps.engine, source, dir, signal, (entry) => {
      const progress = new ProgressRelay();
      const sending = limit(() => send(entry.handle, entry, (...p) => progress.report(...p)));
      sending.catch(() => {});
      early.set(entry.handle, { sending, progress });
    });
    deps.onEvent?.({ kind: 'exported', layers: image.layers.length });
    let bytesUploaded = 0;
    const outcomes = await mapLimit(image.layers, deps.concurrency, async (layer, index) => {
      const onProgress: LayerProgressFn = (phase, bytes, size) =>
        deps.onEvent?.({ kind: 'layer-progress', index, diffId: layer.diffId, phase, bytes, size });
      const started = early.get(layer.stored);
      started?.progress.forwardTo(onProgress);
      const sent = await (started?.sending ?? send(layer.stored, layer, onProgress));
      const descriptor: Descriptor = {
        mediaType: sent.mediaType ?? layer.mediaType,
        digest: sent.digest,
        size: sent.size,
      };
      const { outcome } = sent;
      if (outcome === 'uploaded') bytesUploaded += descriptor.size;
      deps.onEvent?.({
        kind: 'layer',
        index,
        diffId: layer.diffId,
        digest: sent.digest,
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
    signal?.throwIfAborted();
    const configUploaded = !(await deps.registry.hasBlob(target.repository, image.configDigest));
    if (configUploaded) {
      await deps.registry.uploadBlob(target.repository, image.configDigest, config.size, () =>
        bufferStream(image.config),
      );
      bytesUploaded += config.size;
    }
    deps.onEvent?.({ kind: 'config', uploaded: configUploaded });
    signal?.throwIfAborted();
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
  };
  try {
    // Once stopped, a request still waiting on a stalled registry is not waited for.
    return await (stopped ? Promise.race([run(), stopped]) : run());
  } finally {
    // No early send may still read a file when the dir goes (a stopped one has been cut:
    // its open file stays readable until it is closed).
    const sends = Promise.allSettled([...early.values()].map((e) => e.sending));
    await (stopped ? Promise.race([sends, stopped.catch(() => {})]) : sends);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rejects with the signal's reason when it aborts (at once if it has). */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  const stopped = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  stopped.catch(() => {});
  return stopped;
}

/**
 * The progress of a layer sent before the manifest said which layer it is: the last report
 * is kept, replayed once `forwardTo` names where reports go, and later ones go there too.
 */
class ProgressRelay {
  private last: [LayerPhase, number, number] | undefined;
  private target: LayerProgressFn | undefined;

  report(phase: LayerPhase, bytes: number, size: number): void {
    this.last = [phase, bytes, size];
    this.target?.(phase, bytes, size);
  }

  forwardTo(target: LayerProgressFn): void {
    this.target = target;
    if (this.last) target(...this.last);
  }
}

type LayerHash = { digest: Digest; size: number; compressed: boolean };

function layerBytes(file: TempFile, hashed: LayerHash): LayerBytes {
  return {
    path: file.path,
    digest: hashed.digest,
    size: hashed.size,
    compressed: hashed.compressed,
  };
}

/** The engine's archive of `source`, read into `dir`; an abort cuts the export. */
async function readLocalImage(
  engine: DockerEngine,
  source: string,
  dir: string,
  signal: AbortSignal | undefined,
  onStored: (entry: StoredBlob<TempFile>) => void,
): Promise<ArchiveImage<TempFile>> {
  const archive = await engine.exportImage(source);
  const cut = () => archive.destroy(signal?.reason);
  signal?.addEventListener('abort', cut, { once: true });
  if (signal?.aborted) cut();
  let images: Array<ArchiveImage<TempFile>>;
  try {
    images = await readImageArchive(archive, new TempFileSink(dir), { onStored });
  } finally {
    signal?.removeEventListener('abort', cut);
  }
  const image = images.find((i) => i.tags.includes(source)) ?? images[0];
  if (!image) throw new ArchiveError('no-manifest', `the engine exported no image for ${source}`);
  return image;
}

function bufferStream(data: Buffer) {
  return Readable.from([data]);
}
