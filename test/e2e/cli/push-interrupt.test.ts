import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import type { PushResult } from '../../../client/services/push.js';
import { buildTestImage } from '../../../testbed/images.js';
import { type HoldProxy, startHoldProxy } from '../../helpers/hold-proxy.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli, startCli } from '../../helpers/run-cli.js';
import { within } from '../../helpers/within.js';
import { hasImage, jsonSummary, removeImages, tempCacheDir } from './cli-env.js';

/**
 * Ctrl-C in the middle of a `docket push`: the CLI talks to the registry through a proxy
 * that stops forwarding after HOLD_BYTES of upload (so an upload is under way, at a known
 * point), then gets SIGINT. It must stop within a bound with exit 130 and one line, leave
 * no tag and no unsound blob, and the same push run again must succeed and pull.
 */
const docker = new Docker();
const IMAGE = 'push-interrupt/app:v1';
const LAYERS = [0, 1, 2, 3].map((i) => ({
  file: `l${i}.bin`,
  size: 2_500_000,
  seed: `push-interrupt-${i}`,
}));
const HOLD_BYTES = 3_000_000;
/** From SIGINT to the exit. */
const STOP_MS = 3_000;

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Committed blob files whose bytes do not hash to their name (should be none). */
async function unsoundBlobs(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'blobs', 'sha256');
  const bad: string[] = [];
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    for (const hex of await readdir(join(root, dir))) {
      if ((await sha256File(join(root, dir, hex))) !== hex) bad.push(hex);
    }
  }
  return bad;
}

describe('Ctrl-C during a docket push', () => {
  let registry: TestRegistry | undefined;
  let proxy: HoldProxy | undefined;
  let cacheDir: string | undefined;

  beforeAll(async () => {
    await buildTestImage(docker, IMAGE, LAYERS);
  });
  afterAll(async () => {
    await proxy?.close();
    const host = registry?.host;
    await registry?.close();
    await removeImages(docker, [IMAGE, ...(host ? [`${host}/${IMAGE}`] : [])]);
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('stops with exit 130 and one line; nothing half-written; the retry succeeds and pulls', async () => {
    registry = await startTestRegistry();
    proxy = await startHoldProxy(registry.port, HOLD_BYTES);
    const push = startCli(['push', '--registry', proxy.url, IMAGE], {
      env: { DOCKET_TOKEN: registry.token },
      timeoutMs: 90_000,
    });
    await within(60_000, `${HOLD_BYTES} bytes of the push reach the registry`, proxy.held);
    const signalled = Date.now();
    push.child.kill('SIGINT');
    const stopped = await within(STOP_MS + 2_000, 'the push exits after SIGINT', push.result);
    expect(Date.now() - signalled).toBeLessThan(STOP_MS);
    expect(stopped.exitCode, stopped.stderr).toBe(ExitCode.interrupted);
    expect(stopped.stderr).toBe('docket: interrupted\n');
    await proxy.close();

    const auth = { authorization: `Bearer ${registry.token}` };
    const tag = await fetch(`${registry.url}/v2/push-interrupt/app/manifests/v1`, {
      headers: auth,
    });
    expect(tag.status).toBe(404);
    expect(await unsoundBlobs(registry.dataDir)).toEqual([]);

    const env = { DOCKET_TOKEN: registry.token };
    const again = await runCli(['push', '--json', '--registry', registry.url, IMAGE], { env });
    expect(again.exitCode, again.stderr).toBe(0);
    const pushed = jsonSummary<PushResult>(again);
    expect(pushed.layersUploaded + pushed.layersSkipped).toBe(LAYERS.length + 1);
    expect(await unsoundBlobs(registry.dataDir)).toEqual([]);

    cacheDir = await tempCacheDir();
    const ref = `${registry.host}/${IMAGE}`;
    const pulled = await runCli(
      ['pull', '--seed-time', '0', '--json', '--cache-dir', cacheDir, ref],
      { env },
    );
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(await hasImage(docker, ref)).toBe(true);
  });
});
