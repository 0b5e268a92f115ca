import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { stepConfig } from '../../lib/archive/step-config.js';
import type { LoadLayer } from '../../lib/archive/types.js';
import { writeLoadArchive } from '../../lib/archive/writer.js';
import { type Digest, sha256Digest } from '../../lib/digest.js';
import type { DockerEngine } from '../docker-engine.js';
import { EngineError, InterruptedError } from '../errors.js';
import type { ResolvedImage } from './resolve-image.js';

export interface LoadLayersDeps {
  engine: DockerEngine;
  signal: AbortSignal;
  /** Called once layer `index` is registered in the engine. */
  onLayerLoaded?(index: number): void;
}

/**
 * Loads `image` into the engine one layer at a time, each as soon as `layerFile(i)`
 * resolves with its verified file, and resolves with the image ID.
 *
 * `docker load` copies its whole tarball to a temp dir before it registers any layer
 * (moby image/tarexport/load.go), so a single load of the image would leave all the
 * extraction until after the last byte arrived. Here layer k goes in through a load of
 * a scaffold image holding layers 1..k (lib/archive/step-config.ts) whose lower layers
 * the engine already has, so the engine extracts layer k while later layers download.
 * The top layer goes in with the image's own config, which makes the real image; the
 * scaffold images are removed afterwards, also on failure (their layers stay while the
 * image uses them). The bottom `present` layers are already in the engine.
 */
export async function loadLayerByLayer(
  deps: LoadLayersDeps,
  image: ResolvedImage,
  present: number,
  layerFile: (index: number) => Promise<string>,
): Promise<string> {
  const n = image.manifest.layers.length;
  const layers: LoadLayer[] = image.manifest.layers.map((l, i) => ({
    diffId: image.diffIds[i] as Digest,
    size: l.size,
    open: async () => createReadStream(await layerFile(i)),
  }));
  const pullId = randomUUID();
  const scaffolds: string[] = [];
  try {
    for (let k = present; k < n - 1; k++) {
      const config = stepConfig(image.config, k + 1, pullId);
      await loadArchive(deps, config, layers.slice(0, k + 1), k);
      scaffolds.push(sha256Digest(config));
      deps.onLayerLoaded?.(k);
    }
    await loadArchive(deps, image.config, layers, Math.max(present, n - 1));
    if (n > present) deps.onLayerLoaded?.(n - 1);
  } finally {
    // Best effort: a scaffold left behind is an untagged image labelled io.docket.load-step.
    await Promise.allSettled(scaffolds.map((id) => deps.engine.removeImage(id)));
  }
  const loaded = await deps.engine.inspectImage(image.configDigest);
  if (!loaded)
    throw new EngineError(`the engine reports no image ${image.configDigest} after load`);
  return loaded.id;
}

/**
 * Streams one `docker load` tarball of `config` straight into the engine, leaving out
 * the files of the bottom `omit` layers (the engine has them).
 */
async function loadArchive(
  deps: LoadLayersDeps,
  config: Buffer,
  layers: LoadLayer[],
  omit: number,
): Promise<void> {
  if (deps.signal.aborted) throw new InterruptedError();
  const tarball = new PassThrough();
  const abort = () => tarball.destroy(new InterruptedError());
  deps.signal.addEventListener('abort', abort, { once: true });
  try {
    const writing = writeLoadArchive(
      { config, layers, repoTags: [], omitLayers: omit },
      tarball,
    ).catch((err: unknown) => {
      tarball.destroy(err as Error);
      throw err;
    });
    const loading = deps.engine.loadImage(tarball).catch((err: unknown) => {
      tarball.destroy();
      throw err;
    });
    await Promise.all([writing, loading]);
  } finally {
    deps.signal.removeEventListener('abort', abort);
  }
  if (deps.signal.aborted) throw new InterruptedError();
}
