import { describe, expect, it } from 'vitest';
import { HTTP_BLOB_MAX_BYTES } from '../../../../client/fetch/blob-fetcher.js';
import { torrentsMissing } from '../../../../client/services/seed.js';

describe('docket seed: which blobs without a .torrent it warns about', () => {
  const sizes = new Map([
    ['small', 1_000],
    ['limit', HTTP_BLOB_MAX_BYTES],
    ['large', HTTP_BLOB_MAX_BYTES + 1],
  ]);

  it('not the small ones, fetched over HTTP and never torrents by design', () => {
    expect(torrentsMissing(['small', 'limit', 'large'], sizes, new Set())).toEqual(['large']);
  });

  it('each blob once, not on every rescan', () => {
    const warned = new Set<string>();
    expect(torrentsMissing(['large'], sizes, warned)).toEqual(['large']);
    expect(torrentsMissing(['large'], sizes, warned)).toEqual([]);
  });
});
