/**
 * webtorrent 3 reports a piece whose SHA-1 is not the torrent's (BEP 3 `pieces`) only as
 * a 'warning' Error whose text is its sole content: vendor/webtorrent/lib/torrent.js
 * (3.0.21, `Torrent#_request`, line 2011):
 *
 *     self.emit('warning', new Error(`Piece ${index} failed verification`))
 *
 * then drops the piece and requests it again. There is no typed event to listen to, so
 * this module is the one place that reads that text; package.json pins webtorrent to
 * ~3.0.21 so a release that rewords it is a deliberate upgrade.
 */
const PIECE_FAILED = /^Piece (\d+) failed verification$/;

/** The index of the piece a webtorrent 'warning' says failed its hash check, if it says so. */
export function failedPieceIndex(warning: unknown): number | undefined {
  if (!(warning instanceof Error)) return undefined;
  const m = PIECE_FAILED.exec(warning.message);
  return m ? Number(m[1]) : undefined;
}
