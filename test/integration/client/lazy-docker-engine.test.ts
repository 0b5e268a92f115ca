import { describe, expect, it } from 'vitest';
import { lazyDockerEngine } from '../../../client/docker-engine.js';
import { BASE_IMAGE } from '../../../testbed/images.js';

describe('lazyDockerEngine: dockerode loaded at the first call, against the real engine', () => {
  it('inspects and lists images like DockerodeEngine; an absent image is undefined', async () => {
    const engine = lazyDockerEngine();
    const [base, absent] = await Promise.all([
      engine.inspectImage(BASE_IMAGE),
      engine.inspectImage('docket-test/no-such-image:none'),
    ]);
    expect(base?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(base?.diffIds.length).toBeGreaterThan(0);
    expect(absent).toBeUndefined();
    const layerLists = await engine.listLayerLists();
    expect(layerLists).toContainEqual(base?.diffIds);
  });
});
