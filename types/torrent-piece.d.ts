declare module 'torrent-piece' {
  /** One piece being downloaded in 16 KiB blocks (webtorrent's torrent-piece). */
  export default class Piece {
    static BLOCK_LENGTH: number;
    constructor(length: number);
    readonly missing: number;
    reserve(): number;
    /** Added by docket's patch (patches/torrent-piece+4.0.1.patch). */
    reservable(): boolean;
    cancel(block: number): void;
    get(block: number): Uint8Array | null;
    set(block: number, data: Uint8Array, source: unknown): boolean;
    flush(): Uint8Array | null;
  }
}
