import { describe, expect, it } from 'vitest';
import { hostPlatform, presentBottomLayers } from '../../../../client/services/resolve-image.js';
import { chainIds } from '../../../../lib/archive/chain-id.js';
import { type Digest, sha256Digest } from '../../../../lib/digest.js';

const d = (s: string): Digest => sha256Digest(s);

describe('presentBottomLayers', () => {
  const image = chainIds([d('a'), d('b'), d('c')]);
  it('counts the longest prefix the engine has', () => {
    const engine = new Set<string>(chainIds([d('a'), d('b'), d('x')]));
    expect(presentBottomLayers(image, engine)).toBe(2);
  });
  it('is 0 when the bottom layer is missing, even if a same diffId sits higher', () => {
    const engine = new Set<string>(chainIds([d('z'), d('b'), d('c')]));
    expect(presentBottomLayers(image, engine)).toBe(0);
  });
  it('is the whole stack when the engine has the image', () => {
    expect(presentBottomLayers(image, new Set(image))).toBe(3);
  });
});

describe('hostPlatform', () => {
  it('maps node arch names to GOARCH', () => {
    expect(hostPlatform('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
  });
});
