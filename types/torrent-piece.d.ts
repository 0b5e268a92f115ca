declare module '@docket/torrent-piece' {
  /** One piece being downloaded in 16 KiB blocks (webtorrent's torrent-piece). */
  export default class Piece {
    static BLOCK_LENGTH: number;
    constructor(length: number);
    readonly missing: number;
    reserve(): number;
    /** Added by docket's fork (vendor/torrent-piece; docs/webtorrent-fork.md). */
    reservable(): boolean;
    cancel(block: number): void;
    get(block: number): Uint8Array | null;
    set(block: number, data: Uint8Array, source: unknown): boolean;
    flush(): Uint8Array | null;
  }
}
