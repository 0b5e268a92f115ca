import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushResult } from '../../../client/services/push.js';
import type { GcResult } from '../../../lib/api/index.js';
import type { ImageManifest } from '../../../lib/manifest/index.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { blobBytesOnDisk } from '../../integration/registry/lifecycle-images.js';
import { jsonSummary, layerFileSha, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();
const BASE = { file: 'base.bin', size: 300_000, seed: 'cli-lc-base' };
const TOP_1 = { file: 'top.bin', size: 200_000, seed: 'cli-lc-top-1' };
const TOP_2 = { file: 'top.bin', size: 200_000, seed: 'cli-lc-top-2' };

describe('docket rollback / rm / gc against a real registry and engine', () => {
  let registry: TestRegistry;
  let env: Record<string, string>;
  let cacheDir: string;
  const created: string[] = [];
  const cli = async (args: string[]) => {
    const result = await runCli(args, { env });
    expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    cacheDir = await tempCacheDir();
    await buildTestImage(docker, 'cli-lc/src:one', [BASE, TOP_1]);
    await buildTestImage(docker, 'cli-lc/src:two', [BASE, TOP_2]);
    created.push('cli-lc/src:one', 'cli-lc/src:two', 'cli-lc/app:v1', 'cli-lc/keep:v1');
    created.push(`${registry.host}/cli-lc/app:v1`);
  }, 120_000);

  afterAll(async () => {
    await removeImages(docker, created);
    await registry?.close();
  });

  const push = async (source: string, repo: string) => {
    await docker.getImage(source).tag({ repo, tag: 'v1' });
    return jsonSummary<PushResult>(await runCli(['push', '--json-summary', `${repo}:v1`], { env }))
      .manifestDigest;
  };

  let one: string;

  it('rolls a tag back after two pushes: the pull gets the old image', async () => {
    one = await push('cli-lc/src:one', 'cli-lc/app');
    const two = await push('cli-lc/src:two', 'cli-lc/app');
    expect(one).not.toBe(two);
    expect(await cli(['rollback', 'cli-lc/app:v1'])).toContain(`${two} -> ${one}`);
    await removeImages(docker, ['cli-lc/app:v1', `${registry.host}/cli-lc/app:v1`]);
    await cli(['pull', '--seed-time', '0', '-q', '--cache-dir', cacheDir, 'cli-lc/app:v1']);
    const out = await runInImage(docker, `${registry.host}/cli-lc/app:v1`, [
      'sha256sum',
      '/data/top.bin',
    ]);
    expect(out).toContain(layerFileSha(TOP_1.seed, TOP_1.size));
  });

  it('rm --digest then gc frees exactly the layers no other image shares', async () => {
    const keep = await push('cli-lc/src:two', 'cli-lc/keep');
    const manifest = async (digest: string) => {
      const res = await fetch(`${registry.url}/v2/cli-lc/app/manifests/${digest}`, {
        headers: { authorization: `Bearer ${registry.token}` },
      });
      return (await res.json()) as ImageManifest;
    };
    const v1 = await manifest(one);
    const kept = new Set((await manifest(keep)).layers.map((l) => l.digest));
    const unshared = v1.layers.filter((l) => !kept.has(l.digest));
    expect(unshared).toHaveLength(1);
    const freed = unshared[0]!.size + v1.config.size;

    expect(await cli(['rm', '--digest', 'cli-lc/app:v1'])).toContain(`deleted cli-lc/app@${one}`);
    const onDisk = blobBytesOnDisk(registry);
    expect(await cli(['gc', '--dry-run'])).toMatch(
      /kept by the \S+ grace period: 1 manifests, \d+ blobs \(.+\) no tag reaches, pushed or used since; --grace 0 --force would sweep them/,
    );
    const dry = JSON.parse(await cli(['gc', '--dry-run', '--grace', '0', '--json'])) as GcResult;
    expect(dry.bytesFreed).toBe(freed);
    expect(blobBytesOnDisk(registry)).toBe(onDisk);
    expect(await cli(['gc', '--grace', '0', '--force'])).toContain(`freed `);
    expect(onDisk - blobBytesOnDisk(registry)).toBe(freed);
    // What keep:v1 names is all there.
    for (const l of (await manifest(keep)).layers) {
      const res = await fetch(`${registry.url}/v2/cli-lc/keep/blobs/${l.digest}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${registry.token}` },
      });
      expect(res.status).toBe(200);
    }
  });
});
