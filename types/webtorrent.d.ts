declare module '@docket/webtorrent' {
  import type { EventEmitter } from 'node:events';

  /** abstract-chunk-store: what webtorrent reads and writes pieces through. */
  export interface ChunkStore {
    readonly chunkLength: number;
    put(index: number, buf: Uint8Array, cb?: (err?: Error | null) => void): void;
    get(
      index: number,
      opts: { offset?: number; length?: number } | null | undefined,
      cb: (err: Error | null, buf?: Uint8Array) => void,
    ): void;
    close(cb?: (err?: Error | null) => void): void;
    destroy(cb?: (err?: Error | null) => void): void;
  }

  export interface ChunkStoreOptions {
    torrent: Torrent;
    path: string;
    files: { path: string; length: number; offset: number }[];
    length: number;
    name: string;
    [key: string]: unknown;
  }

  export type ChunkStoreConstructor = new (
    chunkLength: number,
    opts: ChunkStoreOptions,
  ) => ChunkStore;

  export interface WebTorrentOptions {
    /** 40 hex characters (20 bytes). */
    peerId?: string;
    torrentPort?: number;
    maxConns?: number;
    dht?: boolean | object;
    lsd?: boolean;
    utPex?: boolean;
    utp?: boolean;
    natUpnp?: boolean | 'permanent';
    natPmp?: boolean;
    webSeeds?: boolean;
    tracker?: boolean | object;
    seedOutgoingConnections?: boolean;
    downloadLimit?: number;
    uploadLimit?: number;
    secure?: number;
  }

  export interface TorrentOptions {
    announce?: string[];
    urlList?: string[];
    path?: string;
    store?: ChunkStoreConstructor;
    storeOpts?: Record<string, unknown>;
    /** 0 disables the in-memory piece cache. */
    storeCacheSlots?: number;
    skipVerify?: boolean;
    private?: boolean;
    strategy?: 'sequential' | 'rarest';
    maxWebConns?: number;
    noPeersIntervalTime?: number;
    alwaysChokeSeeders?: boolean;
  }

  /** A bittorrent-protocol wire, after the handshake. */
  export interface Wire extends EventEmitter {
    /** 'tcpIncoming' | 'tcpOutgoing' | 'utpIncoming' | 'utpOutgoing' | 'webrtc' | 'webSeed'. */
    type: string;
    /** The remote peer id, 40 hex characters. */
    peerId: string;
    remoteAddress?: string;
    remotePort?: number;
    downloaded: number;
    uploaded: number;
    destroyed: boolean;
    /** Block requests sent to the peer and not answered yet. */
    requests: unknown[];
    /** Whether the peer chokes us (BEP 3). */
    peerChoking: boolean;
    /** Sends BEP 3 `have`. */
    have(index: number): void;
    /** Sends BEP 3 `bitfield` (a BitField or its bytes). */
    bitfield(bitfield: Uint8Array | { buffer: Uint8Array }): void;
    /** BEP 6 `have all` / `have none` (only after a fast-extension handshake). */
    haveAll(): void;
    haveNone(): void;
    destroy(): void;
  }

  export interface Torrent extends EventEmitter {
    infoHash: string;
    name: string;
    length: number;
    path: string;
    ready: boolean;
    done: boolean;
    destroyed: boolean;
    downloaded: number;
    uploaded: number;
    received: number;
    progress: number;
    numPeers: number;
    pieceLength: number;
    /** One entry per piece; null once the piece is verified. */
    pieces: Array<unknown | null>;
    wires: Wire[];
    announce: string[];
    urlList: string[];
    addWebSeed(url: string): void;
    addPeer(addr: string): boolean;
    destroy(cb?: (err?: Error | null) => void): void;
    destroy(opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): void;
  }

  export default class WebTorrent extends EventEmitter {
    constructor(opts?: WebTorrentOptions);
    static UTP_SUPPORT: boolean;
    /** Upstream's version (the fork's version.cjs drops `-docket.N`): peer id prefix, user agent. */
    static VERSION: string;
    peerId: string;
    /** speed-limiter groups every wire's bytes pass through (down: received, up: sent). */
    throttleGroups: {
      down: import('speed-limiter').ThrottleGroup;
      up: import('speed-limiter').ThrottleGroup;
    };
    torrentPort: number;
    listening: boolean;
    destroyed: boolean;
    torrents: Torrent[];
    add(
      torrentId: string | Uint8Array | object,
      opts?: TorrentOptions,
      ontorrent?: (t: Torrent) => void,
    ): Torrent;
    seed(input: unknown, opts?: TorrentOptions, onseed?: (t: Torrent) => void): Torrent;
    get(torrentId: string | Uint8Array | Torrent): Promise<Torrent | null>;
    remove(
      torrentId: string | Torrent,
      opts?: { destroyStore?: boolean },
      cb?: (err?: Error | null) => void,
    ): Promise<void>;
    address(): { address: string; family: string; port: number } | null;
    destroy(cb?: (err?: Error | null) => void): void;
  }
}

declare module '@docket/webtorrent/lib/peer.js' {
  /** One peer connection of a torrent; only what docket's tests of the fork use. */
  export default class Peer {
    /** docket's fork: the TCP sockets' buffer (docs/webtorrent-fork.md, change 3). */
    static SOCKET_HIGH_WATER_MARK: number;
    conn: unknown;
  }
}
