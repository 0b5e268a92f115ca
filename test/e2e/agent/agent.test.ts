import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../../../agent/run-agent.js';
import { RegistryClient } from '../../../client/registry-client.js';
import type { PullSummary } from '../../../client/services/pull.js';
import type { AgentStatus, PreheatResult } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import { buildTestImage, followProgress } from '../../../testbed/images.js';
import { client, expectError } from '../../integration/registry/http.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { closedPort, hasImage, jsonSummary, removeImages, tempCacheDir } from '../cli/cli-env.js';

const docker = new Docker();
// Above the 1 MiB HTTP limit: this layer goes through the swarm; TOP comes over HTTP.
const BASE = { file: 'base.bin', size: 2_500_000, seed: 'agent-base' };
const TOP = { file: 'top.bin', size: 300_000, seed: 'agent-top' };

describe('docket agent: the OCI read API for stock runtimes, blobs from the swarm', () => {
  let registry: TestRegistry;
  let cacheDir: string;
  let agent: RunningAgent;
  let agentHost: string;
  const warnings: string[] = [];
  const created: string[] = [];

  const start = (opts: { registry?: RegistryClient; preheat?: string[]; dir?: string } = {}) =>
    startAgent({
      registry: opts.registry ?? new RegistryClient({ url: registry.url, token: registry.token }),
      cacheDir: opts.dir ?? cacheDir,
      cacheBytes: 1024 ** 3,
      host: '127.0.0.1',
      port: 0,
      torrentPort: 0,
      preheat: opts.preheat ?? [],
      onEvent: () => {},
      onWarning: (m) => warnings.push(m),
    });
  const get = (path: string, init: RequestInit = {}) => fetch(`${agent.url}${path}`, init);
  const status = async () => (await (await get('/docket/v1/agent')).json()) as AgentStatus;

  beforeAll(async () => {
    registry = await startTestRegistry();
    cacheDir = await tempCacheDir();
    await buildTestImage(docker, 'agent-test/app:v1', [BASE, TOP]);
    created.push('agent-test/app:v1');
    const env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    const push = await runCli(['push', 'agent-test/app:v1'], { env });
    expect(push.exitCode, push.stderr).toBe(0);
    // Else the engine has the image's config already and `docker pull` fetches no blob.
    await removeImages(docker, ['agent-test/app:v1']);
    agent = await start({ preheat: ['agent-pre/*'] });
    agentHost = new URL(agent.url).host;
    created.push(`${agentHost}/agent-test/app:v1`);
  }, 120_000);

  afterAll(async () => {
    await agent?.close();
    await removeImages(docker, created);
    await registry?.close();
  });

  it('lets stock `docker pull` fetch the image through it', async () => {
    const ref = `${agentHost}/agent-test/app:v1`;
    await followProgress(docker, await docker.pull(ref));
    expect(await hasImage(docker, ref)).toBe(true);
    const s = await status();
    // Config and the two COPY layers at least (the engine may know the busybox layer).
    expect(s.cache.blobs).toBeGreaterThanOrEqual(3);
    expect(s.seeding).toBeGreaterThanOrEqual(1);
    const r = s.received;
    expect(r.fromPeers + r.fromRegistrySeed + r.fromWebSeed).toBeGreaterThan(BASE.size);
    const seeder = JSON.parse(await readFile(join(cacheDir, 'seeder.json'), 'utf8'));
    expect(seeder).toMatchObject({ pid: process.pid, command: 'docket agent' });
  }, 120_000);

  it('serves manifests by tag and digest, blobs whole and by range, tags; refuses writes', async () => {
    const byTag = await get('/v2/agent-test/app/manifests/v1');
    expect(byTag.status).toBe(200);
    const body = Buffer.from(await byTag.arrayBuffer());
    const digest = byTag.headers.get('docker-content-digest')!;
    expect(sha256Digest(body)).toBe(digest);
    const byDigest = await get(`/v2/agent-test/app/manifests/${digest}`);
    expect(Buffer.from(await byDigest.arrayBuffer())).toEqual(body);
    const layer = (JSON.parse(body.toString()) as { layers: { digest: string; size: number }[] })
      .layers[1]!;
    const whole = await get(`/v2/agent-test/app/blobs/${layer.digest}`);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(sha256Digest(bytes)).toBe(layer.digest);
    const part = await get(`/v2/agent-test/app/blobs/${layer.digest}`, {
      headers: { Range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${layer.size}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
    const head = await get(`/v2/agent-test/app/blobs/${layer.digest}`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(layer.size));
    expect(await (await get('/v2/agent-test/app/tags/list')).json()).toEqual({
      name: 'agent-test/app',
      tags: ['v1'],
    });
    await expectError(await get('/v2/agent-test/app/manifests/nope'), 404, 'MANIFEST_UNKNOWN');
    await expectError(
      await get('/v2/agent-test/app/manifests/v2', { method: 'PUT', body: '{}' }),
      405,
      'UNSUPPORTED',
    );
  });

  it('sees a moved tag at once', async () => {
    const api = client(registry);
    const first = await api.pushImage('agent-test/moving', 't', 'one');
    const seen1 = await get('/v2/agent-test/moving/manifests/t');
    expect(seen1.headers.get('docker-content-digest')).toBe(first.digest);
    const second = await api.pushImage('agent-test/moving', 't', 'two');
    const seen2 = await get('/v2/agent-test/moving/manifests/t');
    expect(seen2.headers.get('docker-content-digest')).toBe(second.digest);
  });

  it('never serves a blob that fails verification', async () => {
    const api = client(registry);
    const { layer } = await api.pushImage('agent-test/bad', 'v1', 'will be corrupted');
    const layerDigest = sha256Digest(layer);
    const file = await findBlobFile(registry.dataDir, layerDigest.slice('sha256:'.length));
    await writeFile(file, Buffer.alloc(layer.length, 7));
    await get('/v2/agent-test/bad/manifests/v1');
    await expectError(await get(`/v2/agent-test/bad/blobs/${layerDigest}`), 502, 'DIGEST_INVALID');
    const cached = await readdir(join(cacheDir, 'blobs'));
    expect(cached).not.toContain(layerDigest.slice('sha256:'.length));
  });

  it('answers UNAVAILABLE when the registry is unreachable', async () => {
    const dead = new RegistryClient({ url: `http://127.0.0.1:${await closedPort()}` });
    const lonely = await start({ registry: dead, dir: await tempCacheDir() });
    try {
      const res = await fetch(`${lonely.url}/v2/agent-test/app/manifests/v1`);
      await expectError(res, 503, 'UNAVAILABLE');
    } finally {
      await lonely.close();
    }
  });

  it('preheats pushes that match --preheat, and `docket preheat` on demand', async () => {
    const api = client(registry);
    const { digest } = await api.pushImage('agent-pre/app', 'v1', 'preheat me');
    const deadline = Date.now() + 20_000;
    let preheated = false;
    while (!preheated && Date.now() < deadline) {
      preheated = (await status()).preheated.some((p) => p.manifestDigest === digest);
      if (!preheated) await new Promise((r) => setTimeout(r, 100));
    }
    expect(preheated, warnings.join('\n')).toBe(true);

    const result = await runCli(['preheat', '--json', '--agent', agentHost, 'agent-test/app:v1']);
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as PreheatResult;
    expect(summary).toMatchObject({ repository: 'agent-test/app', reference: 'v1', blobs: 4 });
  });

  it('keeps seeding its cache after a restart; `docket pull` on the host reads that cache', async () => {
    await agent.close();
    agent = await start();
    expect((await status()).seeding).toBeGreaterThanOrEqual(1);
    await removeImages(docker, created);
    const pull = await runCli(
      ['pull', '--seed-time', '0', '--json-summary', '--cache-dir', cacheDir, 'agent-test/app:v1'],
      { env: { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token } },
    );
    created.push(`${registry.host}/agent-test/app:v1`);
    const summary = jsonSummary<PullSummary>(pull);
    expect(summary.layersFromCache).toBeGreaterThanOrEqual(2);
    expect(summary.layersDownloaded).toBe(0);
  }, 60_000);
});

async function findBlobFile(dataDir: string, hex: string): Promise<string> {
  const root = join(dataDir, 'blobs', 'sha256');
  for (const d of await readdir(root)) {
    if ((await readdir(join(root, d))).includes(hex)) return join(root, d, hex);
  }
  throw new Error(`no blob file ${hex}`);
}
