declare module 'create-torrent' {
  /**
   * Without `announce`/`announceList` create-torrent adds a list of public trackers:
   * always pass one (lib/torrent.ts passes an empty announceList).
   */
  export interface CreateTorrentOptions {
    name?: string;
    creationDate?: Date | number;
    comment?: string;
    createdBy?: string;
    private?: boolean | number;
    pieceLength?: number;
    maxPieceLength?: number;
    announce?: string | string[];
    announceList?: string[][];
    urlList?: string | string[];
    info?: Record<string, unknown>;
  }
  export default function createTorrent(
    input: string | string[] | Uint8Array | Uint8Array[] | NodeJS.ReadableStream,
    opts: CreateTorrentOptions,
    cb: (err: Error | null, torrent: Uint8Array) => void,
  ): void;
}
