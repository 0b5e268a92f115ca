import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { type Digest, isDigest } from '../lib/digest.js';
import { type ProgressEvent, readProgress } from './docker-progress.js';
import { mapLimit } from './services/map-limit.js';
import {
  EngineError,
  EngineUnreachableError,
  isNetworkErrorCode,
  LocalImageNotFoundError,
  systemErrorCode,
} from './errors.js';

export interface EngineImage {
  /** Image ID: the config digest (`sha256:...`). */
  id: string;
  /** RootFS.Layers: the uncompressed layer digests, bottom first. */
  diffIds: Digest[];
  repoTags: string[];
}

/**
 * The Docker engine calls docket uses (Docker Engine API: /images/{name}/get,
 * /images/load, /images/{name}/tag, DELETE /images/{name}, /images/{name}/json,
 * /images/json) and no more.
 * Every method throws EngineUnreachableError when the engine cannot be reached.
 */
export interface DockerEngine {
  /** A `docker save` tarball of `reference`; LocalImageNotFoundError when absent. */
  exportImage(reference: string): Promise<Readable>;
  /**
   * Loads a `docker load` tarball, reading the engine's JSON progress to its end.
   * Resolves with the image IDs / references the engine reports as loaded; throws
   * EngineError on any `errorDetail` (the engine answers 200 even when a load fails).
   */
  loadImage(tarball: Readable): Promise<string[]>;
  /** Tags image `id` as `repo:tag`. */
  tagImage(id: string, repo: string, tag: string): Promise<void>;
  /** Removes image `id` (its layers stay while another image uses them). */
  removeImage(id: string): Promise<void>;
  /**
   * `docker pull reference` by the engine itself, reading its progress to the end; throws
   * EngineError on any `errorDetail`. `signal` cancels the engine's pull.
   */
  pullImage(reference: string, signal?: AbortSignal): Promise<void>;
  /** Whether the engine runs on this host (a unix socket): it can reach our 127.0.0.1. */
  isLocal(): boolean;
  /** The image by ID or reference; undefined when the engine has none. */
  inspectImage(reference: string): Promise<EngineImage | undefined>;
  /** RootFS.Layers of every image the engine holds. */
  listLayerLists(): Promise<Digest[][]>;
}

/** Image inspects in flight at once while listing layer chains. */
const INSPECT_CONCURRENCY = 8;

/** DockerEngine over dockerode (which honours DOCKER_HOST). */
export class DockerodeEngine implements DockerEngine {
  constructor(private readonly docker: Dockerode) {}

  async exportImage(reference: string): Promise<Readable> {
    try {
      return (await this.docker.getImage(reference).get()) as Readable;
    } catch (err) {
      throw engineError(this.docker, err, reference);
    }
  }

  async loadImage(tarball: Readable): Promise<string[]> {
    let res: Readable;
    try {
      res = (await this.docker.loadImage(tarball as unknown as NodeJS.ReadableStream, {
        quiet: true,
      })) as Readable;
    } catch (err) {
      throw engineError(this.docker, err);
    }
    return readLoadProgress(res);
  }

  async tagImage(id: string, repo: string, tag: string): Promise<void> {
    try {
      await this.docker.getImage(id).tag({ repo, tag });
    } catch (err) {
      throw engineError(this.docker, err, id);
    }
  }

  async pullImage(reference: string, signal?: AbortSignal): Promise<void> {
    let res: Readable;
    try {
      res = (await this.docker.pull(reference, signal ? { abortSignal: signal } : {})) as Readable;
    } catch (err) {
      throw engineError(this.docker, err, reference);
    }
    try {
      await readProgress(res, 'docker pull');
    } catch (err) {
      throw engineError(undefined, err);
    }
  }

  isLocal(): boolean {
    return typeof (this.docker.modem as { socketPath?: unknown }).socketPath === 'string';
  }

  async removeImage(id: string): Promise<void> {
    try {
      await this.docker.getImage(id).remove({ noprune: true });
    } catch (err) {
      throw engineError(this.docker, err, id);
    }
  }

  async inspectImage(reference: string): Promise<EngineImage | undefined> {
    try {
      const info = await this.docker.getImage(reference).inspect();
      return {
        id: info.Id,
        diffIds: (info.RootFS?.Layers ?? []).filter(isDigest),
        repoTags: info.RepoTags ?? [],
      };
    } catch (err) {
      const mapped = engineError(this.docker, err, reference);
      if (mapped instanceof LocalImageNotFoundError) return undefined;
      throw mapped;
    }
  }

  async listLayerLists(): Promise<Digest[][]> {
    let ids: string[];
    try {
      ids = (await this.docker.listImages({ all: true })).map((i) => i.Id);
    } catch (err) {
      throw engineError(this.docker, err);
    }
    // One inspect per image: a few at a time, not one after the other (hosts hold hundreds).
    const images = await mapLimit(ids, INSPECT_CONCURRENCY, (id) => this.inspectImage(id));
    return images.flatMap((image) => (image && image.diffIds.length > 0 ? [image.diffIds] : []));
  }
}

/**
 * A DockerEngine that loads dockerode and connects (honouring DOCKER_HOST) on its first
 * call: the commands that never reach the engine (version, images, ...) do not pay for
 * loading dockerode at start-up.
 */
export function lazyDockerEngine(): DockerEngine {
  let engine: Promise<DockerEngine> | undefined;
  const get = (): Promise<DockerEngine> => {
    engine ??= import('dockerode').then(
      ({ default: Dockerode }) => new DockerodeEngine(new Dockerode()),
    );
    return engine;
  };
  return {
    exportImage: async (reference) => (await get()).exportImage(reference),
    loadImage: async (tarball) => (await get()).loadImage(tarball),
    tagImage: async (id, repo, tag) => (await get()).tagImage(id, repo, tag),
    removeImage: async (id) => (await get()).removeImage(id),
    pullImage: async (reference, signal) => (await get()).pullImage(reference, signal),
    isLocal: () => {
      const host = process.env.DOCKER_HOST;
      return host === undefined || host === '' || host.startsWith('unix://');
    },
    inspectImage: async (reference) => (await get()).inspectImage(reference),
    listLayerLists: async () => (await get()).listLayerLists(),
  };
}

/** Reads the JSON progress of `POST /images/load` to its end: the image IDs / references loaded. */
export async function readLoadProgress(res: Readable): Promise<string[]> {
  let events: ProgressEvent[];
  try {
    events = await readProgress(res, 'docker load');
  } catch (err) {
    throw engineError(undefined, err);
  }
  const loaded: string[] = [];
  for (const event of events) {
    const m = /^Loaded image(?: ID)?: (\S+)/.exec(event.stream ?? '');
    if (m?.[1]) loaded.push(m[1]);
  }
  return loaded;
}

/** Where dockerode connects (it reads DOCKER_HOST itself), for messages. */
function engineAddress(docker: Dockerode): string {
  const modem = docker.modem as {
    socketPath?: unknown;
    host?: unknown;
    port?: unknown;
    protocol?: unknown;
  };
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  return `${String(modem.protocol ?? 'tcp')}://${String(modem.host)}:${String(modem.port ?? '')}`;
}

function engineError(docker: Dockerode | undefined, err: unknown, reference?: string): Error {
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 404 && reference !== undefined) return new LocalImageNotFoundError(reference);
  const code = systemErrorCode(err);
  if (code === 'ENOENT' || code === 'EACCES' || isNetworkErrorCode(code))
    return new EngineUnreachableError(code ?? 'unknown', docker && engineAddress(docker));
  if (status !== undefined) {
    const json = (err as { json?: { message?: string } }).json;
    return new EngineError(`Docker engine answered ${status}: ${json?.message ?? 'error'}`);
  }
  return err instanceof Error ? err : new EngineError(String(err));
}
