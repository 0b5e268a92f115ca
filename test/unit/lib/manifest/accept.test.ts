import { describe, expect, it } from 'vitest';
import { accepts, parseAccept } from '../../../../lib/manifest/index.js';
import { MediaType } from '../../../../lib/media-types.js';

describe('Accept negotiation', () => {
  it('splits headers and honours wildcards', () => {
    expect(parseAccept([`${MediaType.ociIndex};q=0.5, ${MediaType.ociManifest}`, '*/*'])).toEqual([
      MediaType.ociIndex,
      MediaType.ociManifest,
      '*/*',
    ]);
    expect(accepts([], MediaType.ociIndex)).toBe(true);
    expect(accepts(['*/*'], MediaType.ociIndex)).toBe(true);
    expect(accepts([MediaType.ociManifest], MediaType.ociIndex)).toBe(false);
  });
});
