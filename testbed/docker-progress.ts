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
