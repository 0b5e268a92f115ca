declare module '@docket/bittorrent-protocol' {
  import type { EventEmitter } from 'node:events';

  /**
   * The BitTorrent peer wire protocol (BEP 3) as a streamx duplex: bytes from the peer are
   * written to it, messages to the peer come out as 'data'. Only what docket's tests use.
   */
  export default class Wire extends EventEmitter {
    constructor(type?: string, peEnabled?: number);
    write(data: Uint8Array): boolean;
    destroy(): void;
    handshake(infoHash: string, peerId: string, extensions?: object): void;
    have(index: number): void;
    unchoke(): void;
    keepAlive(): void;
    piece(index: number, offset: number, block: Uint8Array): void;
  }
}
