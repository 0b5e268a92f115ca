import type { Readable } from 'node:stream';
import type Docker from 'dockerode';

interface ProgressEvent {
  error?: string;
  errorDetail?: { message?: string };
}

/** Reads a push/pull/load progress stream to the end; rejects on an errorDetail in it. */
export function followProgress(docker: Docker, stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: ProgressEvent[]) => {
      if (err) return reject(err);
      const failed = events.find((e) => e.errorDetail || e.error);
      if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
      resolve();
    });
  });
}

export async function dockerPull(docker: Docker, ref: string): Promise<void> {
  await followProgress(docker, (await docker.pull(ref)) as Readable);
}

/** Pushes `repo:tag`; `repo` includes the registry host. */
export async function dockerPush(docker: Docker, repo: string, tag: string): Promise<void> {
  const stream = (await docker.getImage(repo).push({ tag })) as unknown as Readable;
  await followProgress(docker, stream);
}

/**
 * Resolves with Date.now() at the moment `ref` exists in the engine: checks once, then again
 * on every image event (load, tag, pull) until `timeoutMs`.
 */
export async function waitForImage(
  docker: Docker,
  ref: string,
  timeoutMs: number,
): Promise<number> {
  const has = () =>
    docker
      .getImage(ref)
      .inspect()
      .then(() => true)
      .catch(() => false);
  const events = (await docker.getEvents({ filters: { type: ['image'] } })) as Readable;
  try {
    if (await has()) return Date.now();
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${ref} not loaded within ${timeoutMs} ms`)),
        timeoutMs,
      );
      events.on('data', () => {
        void has().then((yes) => {
          if (yes) {
            clearTimeout(timer);
            resolve(Date.now());
          }
        });
      });
      events.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } finally {
    events.destroy();
  }
}
