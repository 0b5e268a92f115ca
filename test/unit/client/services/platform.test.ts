import { describe, expect, it } from 'vitest';
import {
  formatPlatform,
  parsePlatform,
  selectPlatform,
} from '../../../../client/services/platform.js';
import type { ImageIndex } from '../../../../lib/media-types.js';

const index = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { digest: 'sha256:amd', platform: { os: 'linux', architecture: 'amd64' } },
    { digest: 'sha256:v6', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { digest: 'sha256:v7', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
  ],
} as unknown as ImageIndex;

describe('platform', () => {
  it('parses os/arch[/variant] and prints it back', () => {
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('Linux/ARM/v7')).toEqual({
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
    for (const bad of ['linux', 'linux/', 'a/b/c/d', 'linux/amd 64'])
      expect(parsePlatform(bad)).toBeUndefined();
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(
      'linux/arm/v7',
    );
  });

  it('selects by os, architecture and variant when given; falls back only when allowed', () => {
    expect(
      selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' }, false)?.digest,
    ).toBe('sha256:v7');
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm' }, false)?.digest).toBe(
      'sha256:v6',
    );
    expect(selectPlatform(index, { os: 'linux', architecture: 's390x' }, false)).toBeUndefined();
    expect(selectPlatform(index, { os: 'linux', architecture: 's390x' }, true)?.digest).toBe(
      'sha256:amd',
    );
  });
});
