import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.js';
import { buildTestImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { hasImage, removeImages } from './cli-env.js';

const docker = new Docker();

/** A cache dir on an 8 MB tmpfs (root only): a 20 MB layer cannot fit. */
describe('docket pull on a full disk', () => {
  let registry: TestRegistry;
  let env: Record<string, string>;
  let mountDir: string;
  const image = 'cli-test/full:v1';

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
    await buildTestImage(docker, image, [{ file: 'f.bin', size: 20_000_000, seed: 'cli-full' }]);
    const push = await runCli(['push', '-q', image], { env });
    expect(push.exitCode, push.stderr).toBe(0);
    await removeImages(docker, [image, `${registry.host}/${image}`]);
    mountDir = await mkdtemp(join(tmpdir(), 'docket-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountDir]);
  });

  afterAll(async () => {
    if (mountDir) {
      execFileSync('umount', [mountDir]);
      await rm(mountDir, { recursive: true, force: true });
    }
    await removeImages(docker, [image, `${registry.host}/${image}`]);
    await registry?.close();
  });

  it('exits 8 with the cache path in one line and keeps the partial download', async () => {
    const r = await runCli(['pull', '--seed-time', '0', '--cache-dir', mountDir, image], {
      env,
      timeoutMs: 60_000,
    });
    expect(r.exitCode, r.stderr).toBe(ExitCode.diskFull);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/disk full/);
    expect(lines[0]).toContain(mountDir);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const partial = await readdir(join(mountDir, 'partial'));
    expect(partial).toHaveLength(1);
    expect((await stat(join(mountDir, 'partial', partial[0] as string))).size).toBeGreaterThan(0);
    expect(await hasImage(docker, `${registry.host}/${image}`)).toBe(false);
  });
});
