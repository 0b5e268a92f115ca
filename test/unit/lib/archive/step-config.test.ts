import { describe, expect, it } from 'vitest';
import { STEP_IMAGE_LABEL, stepConfig } from '../../../../lib/archive/step-config.js';
import { ArchiveError } from '../../../../lib/errors.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const config = Buffer.from(
  JSON.stringify({
    architecture: 'arm64',
    os: 'linux',
    variant: 'v8',
    config: { Env: ['A=1'], Cmd: ['sh'] },
    history: [{ created_by: 'a' }, { created_by: 'b' }, { created_by: 'c' }],
    rootfs: { type: 'layers', diff_ids: [d('a'), d('b'), d('c')] },
  }),
);

describe('stepConfig', () => {
  it('names the bottom k layers, keeps the platform, drops the rest and labels the pull', () => {
    const step = JSON.parse(stepConfig(config, 2, 'pull-1').toString('utf8'));
    expect(step).toEqual({
      architecture: 'arm64',
      os: 'linux',
      variant: 'v8',
      config: { Labels: { [STEP_IMAGE_LABEL]: 'pull-1' } },
      rootfs: { type: 'layers', diff_ids: [d('a'), d('b')] },
    });
  });

  it('gives two pulls of the same layers two different scaffold images', () => {
    expect(stepConfig(config, 1, 'pull-1').equals(stepConfig(config, 1, 'pull-2'))).toBe(false);
  });

  it('refuses a step of no layers or of more layers than the image has', () => {
    expect(() => stepConfig(config, 0, 'p')).toThrow(ArchiveError);
    expect(() => stepConfig(config, 4, 'p')).toThrow(ArchiveError);
  });
});
