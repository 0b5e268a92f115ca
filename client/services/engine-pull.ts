import type { Readable } from 'node:stream';
import type { DockerEngine } from '../docker-engine.js';
import { EngineError, InterruptedError } from '../errors.js';
import { startEngineFeed } from './engine-feed.js';
import type { PullTarget } from './pull.js';
import type { ResolvedImage } from './resolve-image.js';

/**
 * Bytes of bottom layers the engine may already have that a pull through the engine may
 * still fetch and extract again (see feedsEngine): a base image's worth, not more.
 */
const MAX_REFETCH_BYTES = 16 * 1024 * 1024;

/**
 * Whether to hand the layers to the engine's own `docker pull` (engine-feed.ts) rather
 * than load them one by one: only for an engine on this host (it must reach our
 * 127.0.0.1), a pull by tag (the temporary reference is removed after tagging), and when
 * the layers the engine already has are small. The engine knows the blob digests only of
 * layers it pulled itself, so it may fetch and extract those again; an update pull on top
 * of a large image the engine holds takes the load path, which skips them.
 */
export function feedsEngine(
  deps: { engine: DockerEngine },
  target: PullTarget,
  image: ResolvedImage,
  present: number,
): boolean {
  if (!deps.engine.isLocal() || target.localTags.length === 0) return false;
  const presentBytes = image.manifest.layers.slice(0, present).reduce((n, l) => n + l.size, 0);
  return presentBytes <= MAX_REFETCH_BYTES;
}

/**
 * Pulls the image into the engine through a one-image registry on 127.0.0.1 that serves
 * each layer's bytes as `layerBody(i)` gives them (engine-feed.ts), tags it with the target's local tags and
 * drops the temporary reference. Resolves with the image ID, or with undefined when the
 * engine never reached the feed (an engine in another network namespace, say): the caller
 * then loads the layers itself. Other failures reject (EngineError, InterruptedError).
 */
export async function pullThroughEngine(
  deps: { engine: DockerEngine; signal: AbortSignal },
  target: PullTarget,
  image: ResolvedImage,
  layerBody: (index: number) => Promise<Readable>,
): Promise<string | undefined> {
  const feed = await startEngineFeed(target.repository, image, layerBody);
  // Stopped (Ctrl-C, or a layer that failed to download): close the feed and return at
  // once; the engine's pull then fails on its own, after its retries.
  let onStop!: () => void;
  const stopped = new Promise<never>((_, reject) => {
    onStop = () => reject(deps.signal.reason ?? new InterruptedError());
  });
  stopped.catch(() => {});
  deps.signal.addEventListener('abort', onStop, { once: true });
  if (deps.signal.aborted) onStop();
  try {
    // The engine shares a layer's download between the pulls that want it at once: another
    // `docket pull` of the image on this host may be serving it from its own feed, and when
    // that feed goes away first the engine's pull fails here too. Once more, then the layers
    // come from this feed.
    const pullOnce = () => deps.engine.pullImage(feed.reference, deps.signal);
    const pulling = pullOnce()
      .catch((err: unknown) => {
        if (!feed.reached() || deps.signal.aborted) throw err;
        return pullOnce();
      })
      .then(
        () => true,
        (err: unknown) => {
          if (!feed.reached()) return false;
          throw err;
        },
      );
    pulling.catch(() => {});
    if (!(await Promise.race([pulling, stopped]))) return undefined;
    const pulled = await deps.engine.inspectImage(image.configDigest);
    if (!pulled)
      throw new EngineError(`the engine reports no image ${image.configDigest} after its pull`);
    for (const { repo, tag } of target.localTags) await deps.engine.tagImage(pulled.id, repo, tag);
    await deps.engine.removeImage(feed.reference);
    return pulled.id;
  } finally {
    deps.signal.removeEventListener('abort', onStop);
    await feed.close();
  }
}
