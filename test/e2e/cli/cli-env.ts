import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import type { PushResult } from '../../../client/services/push.js';
import { randomBytes } from '../../../testbed/images.js';
import type { CliResult } from '../../helpers/run-cli.js';

/** The last JSON object line of a CLI's stdout (`--json-summary`). */
export function jsonSummary<T extends PullSummary | PushResult>(result: CliResult): T {
  const line = result.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line)
    throw new Error(
      `no JSON summary (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
    );
  return JSON.parse(line) as T;
}

export async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Removes tags/images, ignoring the ones already gone. */
export async function removeImages(docker: Docker, refs: string[]): Promise<void> {
  for (const ref of refs) {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of the bytes buildTestImage writes for a layer. */
export function layerFileSha(seed: string, size: number): string {
  return sha256Hex(randomBytes(seed, size));
}

const cacheDirs: string[] = [];

// Registered in each test file that imports this module (vitest loads it once per file):
// its temp caches go once the file's own suites are done.
afterAll(async () => {
  await Promise.all(cacheDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temp blob cache dir, removed after the test file. */
export async function tempCacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'docket-cli-cache-'));
  cacheDirs.push(dir);
  return dir;
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
