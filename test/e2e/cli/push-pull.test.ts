import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullSummary } from '../../../client/services/pull.js';
import { STEP_IMAGE_LABEL } from '../../../lib/archive/step-config.js';
import type { PushResult } from '../../../client/services/push.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { hasImage, jsonSummary, layerFileSha, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();

/** The top layer of every load-step scaffold image in the engine (other tests' pulls too). */
async function scaffoldTopLayers(): Promise<string[]> {
  const scaffolds = await docker.listImages({
    all: true,
    filters: { label: [STEP_IMAGE_LABEL] },
  });
  const tops = await Promise.all(
    scaffolds.map(async (i) => (await docker.getImage(i.Id).inspect()).RootFS.Layers?.at(-1)),
  );
  return tops.filter((t): t is string => t !== undefined);
}
const BASE = { file: 'base.bin', size: 2_000_000, seed: 'cli-pp-base' };
const TOP_1 = { file: 'top.bin', size: 1_000_000, seed: 'cli-pp-top-1' };
const TOP_2 = { file: 'top.bin', size: 1_000_000, seed: 'cli-pp-top-2' };

describe('docket push / images / pull against a real registry and engine', () => {
  let registry: TestRegistry;
  let env: Record<string, string>;
  let cacheDir: string;
  const created: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    cacheDir = await tempCacheDir();
    await buildTestImage(docker, 'cli-test/app:v1', [BASE, TOP_1]);
    // Built now, while v1 is in the engine, so the two share the base.bin layer.
    await buildTestImage(docker, 'cli-test/app:v2', [BASE, TOP_2]);
    created.push('cli-test/app:v1', 'cli-test/app:v2', `${registry.host}/cli-test/app:v1`);
    created.push(`${registry.host}/cli-test/app:v2`);
  });

  afterAll(async () => {
    await removeImages(docker, created);
    await registry?.close();
  });

  const pull = (ref: string, ...flags: string[]) =>
    runCli(['pull', ...flags, '--seed-time', '0', '--json', '--cache-dir', cacheDir, ref], {
      env,
    });

  let v1Digest: string;

  it('pushes every layer, the config and the manifest the first time', async () => {
    const result = await runCli(['push', '--json', 'cli-test/app:v1'], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = jsonSummary<PushResult>(result);
    expect(summary).toMatchObject({
      repository: 'cli-test/app',
      tag: 'v1',
      layers: 3,
      layersUploaded: 3,
      layersSkipped: 0,
      configUploaded: true,
    });
    expect(summary.bytesUploaded).toBeGreaterThan(BASE.size + TOP_1.size);
    v1Digest = summary.manifestDigest;
  });

  it('uploads only the manifest when the registry has the image', async () => {
    const summary = jsonSummary<PushResult>(
      await runCli(['push', '--json-summary', 'cli-test/app:v1'], { env }),
    );
    expect(summary).toMatchObject({
      layersUploaded: 0,
      layersSkipped: 3,
      configUploaded: false,
      bytesUploaded: 0,
      manifestDigest: v1Digest,
    });
  });

  it('after a change of the top layer, pushes only that layer', async () => {
    const pushed = jsonSummary<PushResult>(
      await runCli(['push', '--json-summary', 'cli-test/app:v2'], { env }),
    );
    expect(pushed).toMatchObject({ layersUploaded: 1, layersSkipped: 2, configUploaded: true });
    expect(pushed.bytesUploaded).toBeLessThan(TOP_2.size + 100_000);
  });

  it('lists what was pushed with images --json, and as a table', async () => {
    const result = await runCli(['images', '--json'], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    const images = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(images).toContainEqual(
      expect.objectContaining({
        repository: 'cli-test/app',
        tag: 'v1',
        digest: v1Digest,
        layerCount: 3,
      }),
    );
    const table = await runCli(['images'], { env });
    expect(table.stdout).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+SIZE\s+CREATED\n/);
    expect(table.stdout).toMatch(
      new RegExp(`cli-test/app\\s+v1\\s+${v1Digest.slice(7, 19)}\\s+\\d[\\d.]*MB\\s+`),
    );
  });

  it('pulls after docker rmi (docker load, layer by layer): runs with the pushed content, tagged <registry>/name:tag only', async () => {
    await removeImages(docker, ['cli-test/app:v1', 'cli-test/app:v2']);
    expect(await hasImage(docker, 'cli-test/app:v1')).toBe(false);
    const result = await pull('cli-test/app:v1', '--no-engine-pull');
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = jsonSummary<PullSummary>(result);
    // The busybox base layer is in the engine already (every test image builds on it).
    expect(summary).toMatchObject({ layers: 3, layersPresent: 1, layersDownloaded: 2 });
    expect(summary.manifestDigest).toBe(v1Digest);
    expect(summary.bytes.total).toBeGreaterThan(BASE.size + TOP_1.size);
    const out = await runInImage(docker, `${registry.host}/cli-test/app:v1`, [
      'sha256sum',
      '/data/base.bin',
      '/data/top.bin',
    ]);
    expect(out).toContain(layerFileSha(BASE.seed, BASE.size));
    expect(out).toContain(layerFileSha(TOP_1.seed, TOP_1.size));
    expect(await hasImage(docker, `${registry.host}/cli-test/app:v1`)).toBe(true);
    // Layer by layer: the scaffold image of the middle layer's load step is gone.
    const image = await docker.getImage(summary.imageId).inspect();
    expect(image.RootFS.Layers).toHaveLength(3);
    expect(await scaffoldTopLayers()).not.toContain(image.RootFS.Layers?.[1]);
    // A local image of the bare name would have been overwritten: it is left alone.
    expect(await hasImage(docker, 'cli-test/app:v1')).toBe(false);
  });

  it('after a change of the top layer, pulls only that layer (the engine pulls it from docket over 127.0.0.1)', async () => {
    const result = await pull('cli-test/app:v2');
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = jsonSummary<PullSummary>(result);
    expect(summary).toMatchObject({ layers: 3, layersPresent: 2, layersDownloaded: 1 });
    // The engine's pull went through a temporary reference: none of it is left.
    const image = await docker.getImage(summary.imageId).inspect();
    expect(image.RepoTags).toEqual([`${registry.host}/cli-test/app:v2`]);
    expect(image.RepoDigests ?? []).toEqual([]);
    // Random bytes do not compress: the one layer downloaded is about TOP_2.size. The
    // engine's own pull also asks for the two small bottom layers it did not pull itself
    // (v1 came in by docker load): base.bin from the cache, the busybox base over HTTP.
    const manifest = (await fetch(`${registry.url}/v2/cli-test/app/manifests/v2`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    }).then((r) => r.json())) as { layers: { size: number }[] };
    const busybox = manifest.layers[0]?.size ?? 0;
    const downloaded = summary.bytes.total - summary.bytes.fromCache;
    expect(downloaded).toBeGreaterThan(TOP_2.size);
    expect(downloaded).toBeLessThan(TOP_2.size + busybox + 100_000);
    expect(summary.bytes.fromCache).toBeLessThan(BASE.size + 100_000);
    const out = await runInImage(docker, `${registry.host}/cli-test/app:v2`, [
      'sha256sum',
      '/data/top.bin',
    ]);
    expect(out).toContain(layerFileSha(TOP_2.seed, TOP_2.size));
  });

  it('pulling an image the engine has fetches nothing and only tags it', async () => {
    const summary = jsonSummary<PullSummary>(await pull('cli-test/app:v2'));
    expect(summary).toMatchObject({ layersPresent: 3, layersDownloaded: 0 });
    expect(summary.bytes.total).toBe(0);
  });

  it('pull -q prints only the local reference; --bare-tag and --tag add local names', async () => {
    const r = await runCli(
      [
        'pull',
        '-q',
        '--seed-time',
        '0',
        '--cache-dir',
        cacheDir,
        '--bare-tag',
        '--tag',
        'cli-test/copy',
        'cli-test/app:v2',
      ],
      { env },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${registry.host}/cli-test/app:v2\n`);
    expect(r.stderr).toBe('');
    expect(await hasImage(docker, 'cli-test/app:v2')).toBe(true);
    expect(await hasImage(docker, 'cli-test/copy:v2')).toBe(true);
    await removeImages(docker, ['cli-test/copy:v2']);
  });

  it('push shows each layer and pluralises; push -q prints only the digest', async () => {
    // The pulls above named the image <registry>/cli-test/app:v1 only.
    const ref = `${registry.host}/cli-test/app:v1`;
    const text = await runCli(['push', ref], { env });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain(`reading ${ref} from the Docker engine\n`);
    expect(text.stdout).toMatch(/^[0-9a-f]{12} +\S+ +already in the registry$/m);
    expect(text.stdout).toMatch(/: 0 layers uploaded, 3 skipped/);
    expect(text.stdout).not.toContain('\u001b');
    const quiet = await runCli(['push', '-q', ref], { env });
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });
});
