import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import { buildTestImage } from '../../../testbed/images.js';
import { type HoldProxy, startHoldProxy } from '../../helpers/hold-proxy.js';
import { type RegistryProcess, startRegistryProcess } from '../../helpers/registry-process.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli, startCli } from '../../helpers/run-cli.js';
import { within } from '../../helpers/within.js';
import { removeImages } from './cli-env.js';

/**
 * kill -9 in the middle of a push, at a known point: the CLI talks to the registry through
 * a proxy that stops forwarding after HOLD_BYTES of upload, then the CLI or the registry is
 * killed. Afterwards no tag may point at a half image, every stored blob must hash to its
 * name, and the same push run again must succeed.
 */
const docker = new Docker();
const IMAGE = 'push-kill/app:v1';
const LAYERS = [0, 1, 2, 3].map((i) => ({
  file: `l${i}.bin`,
  size: 2_500_000,
  seed: `push-kill-${i}`,
}));
const HOLD_BYTES = 4_000_000;

interface Api {
  url: string;
  token: string;
  dataDir: string;
}

const get = (api: Api, path: string) =>
  fetch(`${api.url}${path}`, {
    headers: {
      authorization: `Bearer ${api.token}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
    },
  });

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Committed blob files whose bytes do not hash to their name (should be none). */
async function unsoundBlobs(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'blobs', 'sha256');
  const bad: string[] = [];
  for (const dir of await readdir(root)) {
    for (const hex of await readdir(join(root, dir))) {
      if ((await sha256File(join(root, dir, hex))) !== hex) bad.push(hex);
    }
  }
  return bad;
}

/** What a client can see of the image after the kill: no tag, nothing half-written. */
async function expectNoHalfImage(api: Api): Promise<void> {
  expect((await get(api, '/v2/push-kill/app/manifests/v1')).status).toBe(404);
  const tags = await get(api, '/v2/push-kill/app/tags/list');
  if (tags.status === 200) expect(((await tags.json()) as { tags: string[] }).tags).toEqual([]);
  else expect(tags.status).toBe(404);
  expect(await unsoundBlobs(api.dataDir)).toEqual([]);
}

/** The retried push succeeds and every blob its manifest names is served whole. */
async function expectRetrySucceeds(api: Api): Promise<void> {
  const env = { DOCKET_TOKEN: api.token };
  const again = await runCli(['push', '-q', '--registry', api.url, IMAGE], { env });
  expect(again.exitCode, again.stderr).toBe(0);
  const res = await get(api, '/v2/push-kill/app/manifests/v1');
  expect(res.status).toBe(200);
  const manifest = (await res.json()) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  expect(manifest.layers).toHaveLength(LAYERS.length + 1);
  for (const { digest } of [manifest.config, ...manifest.layers]) {
    const blob = await get(api, `/v2/push-kill/app/blobs/${digest}`);
    expect(blob.status).toBe(200);
    const hex = createHash('sha256')
      .update(Buffer.from(await blob.arrayBuffer()))
      .digest('hex');
    expect(`sha256:${hex}`).toBe(digest);
  }
  expect(await unsoundBlobs(api.dataDir)).toEqual([]);
}

describe('kill -9 during a docket push', () => {
  beforeAll(async () => {
    await buildTestImage(docker, IMAGE, LAYERS);
  });
  afterAll(async () => {
    await removeImages(docker, [IMAGE]);
  });

  it('of the CLI: no tag points at a half image; the retry succeeds', async () => {
    let registry: TestRegistry | undefined;
    let proxy: HoldProxy | undefined;
    try {
      registry = await startTestRegistry();
      proxy = await startHoldProxy(registry.port, HOLD_BYTES);
      const push = startCli(['push', '-q', '--registry', proxy.url, IMAGE], {
        env: { DOCKET_TOKEN: registry.token },
      });
      await within(60_000, `${HOLD_BYTES} bytes of the push reach the registry`, proxy.held);
      push.child.kill('SIGKILL');
      expect((await push.result).exitCode).toBe(-1);
      await proxy.close();
      await expectNoHalfImage(registry);
      await expectRetrySucceeds(registry);
    } finally {
      await proxy?.close();
      await registry?.close();
    }
  });

  it('of the registry: the push fails with one clear line; after a restart no half image, the retry succeeds', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'docket-push-kill-'));
    let registry: RegistryProcess | undefined;
    let proxy: HoldProxy | undefined;
    try {
      registry = await startRegistryProcess(dataDir);
      proxy = await startHoldProxy(registry.port, HOLD_BYTES);
      const push = startCli(['push', '-q', '--registry', proxy.url, IMAGE], {
        env: { DOCKET_TOKEN: registry.token },
        timeoutMs: 60_000,
      });
      await within(60_000, `${HOLD_BYTES} bytes of the push reach the registry`, proxy.held);
      await registry.kill9();
      const failed = await push.result;
      expect(failed.exitCode, failed.stderr).toBe(ExitCode.registryUnreachable);
      expect(failed.stderr.trim().split('\n'), failed.stderr).toHaveLength(1);
      expect(failed.stderr).not.toMatch(/\n\s+at /);
      await proxy.close();

      registry = await startRegistryProcess(dataDir);
      // Upload sessions do not survive a restart (FsBlobStore.init).
      expect(await readdir(join(dataDir, 'blobs', 'uploads'))).toEqual([]);
      await expectNoHalfImage({ ...registry, dataDir });
      await expectRetrySucceeds({ ...registry, dataDir });
    } finally {
      await proxy?.close();
      await registry?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
