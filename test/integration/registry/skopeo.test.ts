import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';

const run = promisify(execFile);
const LOCAL = 'registry-test/skopeo:1';
const BACK = 'registry-test/skopeo-back:1';

describe('skopeo copy in and out', () => {
  const docker = new Docker();
  let reg: TestRegistry;
  // skopeo's docker-daemon transport does not read DOCKER_HOST: pass the engine explicitly.
  const engine = () => process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';

  beforeAll(async () => {
    reg = await startTestRegistry();
    await buildTestImage(
      docker,
      LOCAL,
      [{ file: 's.bin', size: 50_000, seed: 'registry-test-s' }],
      {
        cmd: ['echo', 'from-skopeo'],
      },
    );
  });
  afterAll(async () => {
    for (const r of [LOCAL, BACK])
      await docker
        .getImage(r)
        .remove({ force: true })
        .catch(() => {});
    await reg?.close();
  });

  it('copies docker-daemon → registry → docker-daemon, and the image runs', async () => {
    const remote = `docker://${reg.host}/registry-test/skopeo:1`;
    const daemon = (ref: string) => `docker-daemon:${ref}`;
    await expect(
      run('skopeo', [
        'copy',
        '--src-daemon-host',
        engine(),
        '--dest-tls-verify=false',
        daemon(LOCAL),
        remote,
      ]),
    ).rejects.toThrow(/unauthorized|authentication/i);
    await run('skopeo', [
      'copy',
      '--src-daemon-host',
      engine(),
      '--dest-tls-verify=false',
      '--dest-creds',
      `x:${reg.token}`,
      daemon(LOCAL),
      remote,
    ]);
    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', remote]);
    expect(JSON.parse(stdout).Layers.length).toBeGreaterThan(0);
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--dest-daemon-host',
      engine(),
      remote,
      daemon(BACK),
    ]);
    expect(await runInImage(docker, BACK, [])).toContain('from-skopeo');
  });
});
