import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { readProgress } from '../client/docker-progress.js';

export async function dockerPull(docker: Docker, ref: string): Promise<void> {
  await readProgress((await docker.pull(ref)) as Readable, `docker pull ${ref}`);
}

/** Pushes `repo:tag`; `repo` includes the registry host. */
export async function dockerPush(docker: Docker, repo: string, tag: string): Promise<void> {
  const stream = (await docker.getImage(repo).push({ tag })) as unknown as Readable;
  await readProgress(stream, `docker push ${repo}:${tag}`);
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
