import { describe, expect, it } from 'vitest';
import { chainIds } from '../../../../lib/archive/chain-id.js';
import type { Digest } from '../../../../lib/digest.js';

const d = (hex: string) => `sha256:${hex}` as Digest;

describe('chainIds', () => {
  it('matches the chain IDs Docker 20.10 recorded in its layerdb for a 4-layer image', () => {
    // image/vfs/layerdb/sha256/<chainID>/{diff,parent} of an engine here.
    const diffIds = [
      d('92fe9826ef5e53f8aefc24776521649290cc3d8a1a1e8bc361e90535eee2de3c'),
      d('dc73229675420975160b0eadb0d76172d6d0241a2f96b1d4504c9c3c0d9e4609'),
      d('69ec902d7f478253c0f6947e6ab2bc9f69b4b8702fee9a6982e0b3fd74a6dad7'),
      d('f428809fe3a479829bc4435c02757120b19735a96f65a2a496f86620c13ab529'),
    ];
    expect(chainIds(diffIds)).toEqual([
      d('92fe9826ef5e53f8aefc24776521649290cc3d8a1a1e8bc361e90535eee2de3c'),
      d('123c9551de648eca9a1a6c1e06ac64cf57e0cbba436d1d3afeb18a2ea5d5637d'),
      d('5e85c75a5f9593d24b5791fcd5230f269891503350ee1beb43f3bf1764edb660'),
      d('ade8522f430f1bd18af045f024a3d213e27d0b7f9b682af829eedaa28f4714e2'),
    ]);
  });

  it('is empty for no layers', () => {
    expect(chainIds([])).toEqual([]);
  });
});
