declare module 'parse-torrent' {
  export interface ParsedTorrentFile {
    path: string;
    name: string;
    length: number;
    offset: number;
  }
  export interface ParsedTorrent {
    infoHash: string;
    infoHashBuffer?: Uint8Array;
    info?: Record<string, unknown>;
    infoBuffer?: Uint8Array;
    name?: string;
    private?: boolean;
    created?: Date;
    createdBy?: string;
    comment?: string;
    announce: string[];
    urlList: string[];
    files?: ParsedTorrentFile[];
    length?: number;
    pieceLength?: number;
    lastPieceLength?: number;
    pieces?: string[];
  }
  /** Parses a .torrent buffer, magnet URI or infohash; rejects on malformed input. */
  export default function parseTorrent(
    torrentId: string | Uint8Array | ParsedTorrent,
  ): Promise<ParsedTorrent>;
  export function toTorrentFile(parsed: ParsedTorrent): Uint8Array;
  export function toMagnetURI(parsed: Partial<ParsedTorrent>): string;
}
