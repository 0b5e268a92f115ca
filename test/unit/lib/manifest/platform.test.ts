import { describe, expect, it } from 'vitest';
import {
  formatPlatform,
  type ImageIndex,
  type Platform,
  parsePlatform,
  platformMatches,
  selectPlatform,
} from '../../../../lib/manifest/index.js';

const entry = (digest: string, platform: Platform) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 1,
  platform,
});

const index: ImageIndex = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    entry('sha256:amd', { os: 'linux', architecture: 'amd64' }),
    entry('sha256:v6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry('sha256:v7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
  ],
};

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

  it('takes the host platform first, then linux/amd64 (the pick of a pull without --platform)', () => {
    const multi: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry('sha256:arm', { os: 'linux', architecture: 'arm64' }),
        entry('sha256:amd', { os: 'linux', architecture: 'amd64' }),
      ],
    };
    expect(selectPlatform(multi, { os: 'linux', architecture: 'arm64' }, true)?.digest).toBe(
      'sha256:arm',
    );
    expect(selectPlatform(multi, { os: 'linux', architecture: 's390x' }, true)?.digest).toBe(
      'sha256:amd',
    );
    const noAmd: ImageIndex = { schemaVersion: 2, manifests: [multi.manifests[0]!] };
    expect(selectPlatform(noAmd, { os: 'linux', architecture: 's390x' }, true)).toBeUndefined();
  });

  it('matches entries without a platform to nothing, and ignores os.version', () => {
    expect(platformMatches(undefined, { os: 'linux', architecture: 'amd64' })).toBe(false);
    expect(
      platformMatches(
        { os: 'windows', architecture: 'amd64', 'os.version': '10.0' },
        { os: 'windows', architecture: 'amd64' },
      ),
    ).toBe(true);
    expect(
      platformMatches(
        { os: 'linux', architecture: 'arm' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ),
    ).toBe(false);
  });
});
