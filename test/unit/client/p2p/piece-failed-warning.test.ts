import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedPieceIndex } from '../../../../client/p2p/piece-failed-warning.js';

/** The statement webtorrent's `Torrent#_request` runs when a piece fails its SHA-1 check. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: webtorrent's source text, not a template
const WEBTORRENT_LINE = "self.emit('warning', new Error(`Piece ${index} failed verification`))";

function webtorrentFile(name: string): string {
  const pkg = createRequire(import.meta.url).resolve('@docket/webtorrent/package.json');
  return readFileSync(join(dirname(pkg), name), 'utf8');
}

describe('failedPieceIndex', () => {
  it('matches the warning text the installed webtorrent emits', () => {
    expect(webtorrentFile('lib/torrent.js')).toContain(WEBTORRENT_LINE);
    for (const index of [0, 7, 12345]) {
      // The same template literal as webtorrent's, evaluated.
      expect(failedPieceIndex(new Error(`Piece ${index} failed verification`))).toBe(index);
    }
  });

  it('ignores other warnings and anything that is not an Error', () => {
    expect(failedPieceIndex(new Error('Unsupported tracker protocol: udp://x'))).toBeUndefined();
    expect(failedPieceIndex(new Error('Piece 3 failed verification (again)'))).toBeUndefined();
    expect(failedPieceIndex(new Error('Piece x failed verification'))).toBeUndefined();
    expect(failedPieceIndex('Piece 3 failed verification')).toBeUndefined();
    expect(failedPieceIndex(undefined)).toBeUndefined();
  });

  it("relies on webtorrent 3.0, as docket's fork (vendor/webtorrent) carries it", () => {
    const installed = JSON.parse(webtorrentFile('package.json')) as {
      upstream: { name: string; version: string };
    };
    expect(installed.upstream.name).toBe('webtorrent');
    expect(installed.upstream.version).toMatch(/^3\.0\.\d+$/);
  });
});
