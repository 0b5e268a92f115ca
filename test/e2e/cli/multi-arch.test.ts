import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSummary } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import type { Descriptor, ImageIndex } from '../../../lib/manifest/index.js';
import { MediaType } from '../../../lib/media-types.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { removeImages, tempCacheDir } from './cli-env.js';

const run = promisify(execFile);
const docker = new Docker();
// skopeo's docker-daemon transport does not read DOCKER_HOST: pass the engine explicitly.
const engine = () => process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';

/**
 * An OCI layout holding a two-platform index (tag `multi`), made with skopeo from two
 * local images; the second one's config is rewritten to say linux/arm64.
 */
async function multiArchLayout(dir: string): Promise<{ amd: string; arm: string }> {
  for (const tag of ['amd', 'arm'])
    await run('skopeo', [
      'copy',
      '--src-daemon-host',
      engine(),
      `docker-daemon:cli-ma/src:${tag}`,
      `oci:${dir}:${tag}`,
    ]);
  const blob = (digest: string) => join(dir, 'blobs', 'sha256', digest.slice(7));
  const put = async (bytes: Buffer) => {
    const digest = sha256Digest(bytes);
    await writeFile(blob(digest), bytes);
    return digest;
  };
  const layout = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ImageIndex;
  const byTag = (tag: string) =>
    layout.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)!;
  const amd = byTag('amd');
  const armManifest = JSON.parse(await readFile(blob(byTag('arm').digest), 'utf8'));
  const armConfig = JSON.parse(await readFile(blob(armManifest.config.digest), 'utf8'));
  armConfig.architecture = 'arm64';
  const configBytes = Buffer.from(JSON.stringify(armConfig));
  armManifest.config = {
    ...armManifest.config,
    digest: await put(configBytes),
    size: configBytes.length,
  };
  const manifestBytes = Buffer.from(JSON.stringify(armManifest));
  const arm: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: await put(manifestBytes),
    size: manifestBytes.length,
  };
  const amdManifest = JSON.parse(await readFile(blob(amd.digest), 'utf8'));
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: amd.mediaType,
          digest: amd.digest,
          size: amd.size,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        { ...arm, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    }),
  );
  const indexDigest = await put(index);
  layout.manifests.push({
    mediaType: MediaType.ociIndex,
    digest: indexDigest,
    size: index.length,
    annotations: { 'org.opencontainers.image.ref.name': 'multi' },
  });
  await writeFile(join(dir, 'index.json'), JSON.stringify(layout));
  return { amd: amdManifest.config.digest, arm: armManifest.config.digest };
}

describe('a multi-arch image copied in with skopeo', () => {
  let registry: TestRegistry;
  let env: Record<string, string>;
  let dir: string;
  let cacheDir: string;
  let configs: { amd: string; arm: string };

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    dir = await mkdtemp(join(tmpdir(), 'docket-oci-layout-'));
    cacheDir = await tempCacheDir();
    await buildTestImage(docker, 'cli-ma/src:amd', [{ file: 'a.bin', size: 50_000, seed: 'ma-a' }]);
    await buildTestImage(docker, 'cli-ma/src:arm', [{ file: 'b.bin', size: 50_000, seed: 'ma-b' }]);
    configs = await multiArchLayout(dir);
    await run('skopeo', [
      'copy',
      '--all',
      '--dest-tls-verify=false',
      '--dest-creds',
      `x:${registry.token}`,
      `oci:${dir}:multi`,
      `docker://${registry.host}/cli-ma/app:v1`,
    ]);
  }, 120_000);

  afterAll(async () => {
    await removeImages(docker, [
      'cli-ma/src:amd',
      'cli-ma/src:arm',
      'cli-ma/app:v1',
      `${registry.host}/cli-ma/app:v1`,
      'cli-ma/imported:v1',
      `${registry.host}/cli-ma/imported:v1`,
    ]);
    await registry?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const pull = async (...flags: string[]) => {
    const result = await runCli(
      ['pull', '--seed-time', '0', '-q', '--cache-dir', cacheDir, ...flags, 'cli-ma/app:v1'],
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    return (await docker.getImage(`${registry.host}/cli-ma/app:v1`).inspect()) as {
      Id: string;
      Architecture: string;
    };
  };

  it('keeps the index of an imported OCI archive', async () => {
    // The layout with only the index, named by annotation, as a tarball.
    const archiveDir = `${dir}-archive`;
    await run('cp', ['-r', dir, archiveDir]);
    const layout = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ImageIndex;
    const multi = layout.manifests.find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'multi',
    )!;
    const named = {
      ...multi,
      annotations: { 'org.opencontainers.image.ref.name': 'cli-ma/imported:v1' },
    };
    await writeFile(
      join(archiveDir, 'index.json'),
      JSON.stringify({ ...layout, manifests: [named] }),
    );
    const tarball = `${archiveDir}.tar`;
    await run('tar', ['-C', archiveDir, '-cf', tarball, 'oci-layout', 'index.json', 'blobs']);
    const res = await fetch(`${registry.url}/docket/v1/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${registry.token}` },
      body: await readFile(tarball),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const imported = (await res.json()) as {
      images: { indexDigest?: string; configDigest: string }[];
    };
    expect(imported.images.map((i) => i.configDigest).sort()).toEqual(
      [configs.amd, configs.arm].sort(),
    );
    expect(new Set(imported.images.map((i) => i.indexDigest)).size).toBe(1);
    await rm(archiveDir, { recursive: true, force: true });
    await rm(tarball, { force: true });

    const result = await runCli(
      [
        'pull',
        '--seed-time',
        '0',
        '-q',
        '--cache-dir',
        cacheDir,
        '--platform',
        'linux/arm64',
        'cli-ma/imported:v1',
      ],
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const image = (await docker.getImage(`${registry.host}/cli-ma/imported:v1`).inspect()) as {
      Id: string;
      Architecture: string;
    };
    expect(image).toMatchObject({ Id: configs.arm, Architecture: 'arm64' });
  });

  it('lists the platforms and pulls the one asked for, else the engine’s', async () => {
    const listed = await runCli(['images', '--json'], { env });
    const images = JSON.parse(listed.stdout) as ImageSummary[];
    expect(images.find((i) => i.repository === 'cli-ma/app')?.platforms).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);

    const arm = await pull('--platform', 'linux/arm64');
    expect(arm).toMatchObject({ Id: configs.arm, Architecture: 'arm64' });
    await removeImages(docker, ['cli-ma/app:v1', `${registry.host}/cli-ma/app:v1`]);
    // Without --platform: the engine's (an arm64 host gets the arm64 image).
    const native = await pull();
    expect(native).toMatchObject(
      process.arch === 'arm64'
        ? { Id: configs.arm, Architecture: 'arm64' }
        : { Id: configs.amd, Architecture: 'amd64' },
    );

    const missing = await runCli(
      ['pull', '--seed-time', '0', '--platform', 'linux/s390x', 'cli-ma/app:v1'],
      { env },
    );
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/no image for linux\/s390x/);
  });
});
