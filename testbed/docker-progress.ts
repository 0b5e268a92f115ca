import { execFile } from 'node:child_process';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { readProgress } from '../client/docker-progress.js';

const execFileAsync = promisify(execFile);

export async function dockerPull(docker: Docker, ref: string): Promise<void> {
  await readProgress((await docker.pull(ref)) as Readable, `docker pull ${ref}`);
}

/** Pushes `repo:tag`; `repo` includes the registry host. */
export async function dockerPush(docker: Docker, repo: string, tag: string): Promise<void> {
  const stream = (await docker.getImage(repo).push({ tag })) as unknown as Readable;
  await readProgress(stream, `docker push ${repo}:${tag}`);
}

/**
 * `docker pull -q REF` with Docker's own CLI against the engine at `dockerHost`: the command
 * a user types, CLI start-up included (dockerPull above is the engine API call alone).
 */
export async function dockerCliPull(
  dockerHost: string,
  ref: string,
  timeoutMs: number,
): Promise<void> {
  try {
    await execFileAsync('docker', ['--host', dockerHost, 'pull', '-q', ref], {
      timeout: timeoutMs,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`docker pull ${ref} (CLI) failed: ${stderr || (err as Error).message}`);
  }
}
