import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { hasImage, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();
const IMAGE = 'cli-corrupt/layer:v1';
const LAYER = { file: 'layer.bin', size: 3_000_000, seed: 'cli-corrupt-layer' };

describe('docket pull of a layer blob corrupted on the registry disk', () => {
  let registry: TestRegistry;
  let env: Record<string, string>;
  const created = [IMAGE];

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    created.push(`${registry.host}/${IMAGE}`);
  });

  afterAll(async () => {
    await removeImages(docker, created);
    await registry?.close();
  });

  it('through the swarm: fails fast with a digest error (7) naming the piece, loads nothing, keeps no partial; a repaired blob pulls', async () => {
    await corruptThenPull(['--no-direct'], (digest) => `${digest}: piece \\d+`);
  });

  it('direct over HTTP: fails with a digest error (7), loads nothing, keeps no partial; a repaired blob pulls', async () => {
    await corruptThenPull([], (digest) => `expected ${digest}, content hashes to sha256:`);
  });

  /** Corrupts the top layer's blob on the registry's disk, pulls (fails), repairs it, pulls. */
  async function corruptThenPull(
    flags: string[],
    mismatch: (digest: string) => string,
  ): Promise<void> {
    await removeImages(docker, created.slice(1));
    await buildTestImage(docker, IMAGE, [LAYER]);
    const pushed = await runCli(['push', '-q', IMAGE], { env });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    await removeImages(docker, created);

    const manifest = (await fetch(`${registry.url}/v2/cli-corrupt/layer/manifests/v1`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    }).then((r) => r.json())) as { layers: { digest: string; size: number }[] };
    // The last layer is the one buildTestImage added (the base's is in the engine already).
    const layer = manifest.layers.at(-1);
    if (!layer) throw new Error('manifest has no layers');
    const hex = layer.digest.slice('sha256:'.length);
    const file = join(registry.dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
    const original = await readFile(file);
    const bad = Buffer.from(original);
    const mid = Math.floor(bad.length / 2);
    bad[mid] = (bad[mid] ?? 0) ^ 0x20;
    await writeFile(file, bad);

    const cacheDir = await tempCacheDir();
    const pull = ['pull', ...flags, '--seed-time', '0', '--cache-dir', cacheDir, IMAGE];
    const started = Date.now();
    const r = await runCli(pull, { env, timeoutMs: 60_000 });
    expect(r.exitCode, r.stderr).toBe(ExitCode.integrity);
    expect(Date.now() - started).toBeLessThan(60_000);
    // Besides warnings (e.g. the fall-back to the web seed), one line: the digest error.
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('docket: warning:'));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`digest mismatch: ${mismatch(layer.digest)}`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await hasImage(docker, IMAGE)).toBe(false);
    expect(await hasImage(docker, `${registry.host}/${IMAGE}`)).toBe(false);
    await expect(stat(join(cacheDir, 'partial', hex))).rejects.toThrow();
    await expect(stat(join(cacheDir, 'blobs', hex))).rejects.toThrow();

    // Repaired on disk (a new mtime): the seeder re-checks it and the same cache pulls.
    await writeFile(file, original);
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    const again = await runCli(pull, { env, timeoutMs: 60_000 });
    expect(again.exitCode, again.stderr).toBe(0);
    // A pull tags only the registry's name (the bare name only with --bare-tag).
    expect(await hasImage(docker, `${registry.host}/${IMAGE}`)).toBe(true);
  }
});
