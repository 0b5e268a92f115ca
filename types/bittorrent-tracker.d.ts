declare module 'bittorrent-tracker' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
  import type { RemoteInfo, Socket } from 'node:dgram';

  export interface AnnounceParams {
    /** 40 hex characters. */
    info_hash: string;
    /** 40 hex characters. */
    peer_id: string;
    event?: string;
    ip?: string;
    port?: number;
    addr?: string;
    type?: string;
    /** A number once parsed (Infinity when absent); `downloaded`, `uploaded` stay query text. */
    left?: number;
    downloaded?: string;
    uploaded?: string;
    /** Any other query parameter of an HTTP announce, as text (docket's `passkey`). */
    passkey?: string;
  }

  /** A peer of a swarm as the tracker keeps it. */
  export interface SwarmPeer {
    type: string;
    complete: boolean;
    /** Hex. */
    peerId: string;
    ip: string;
    port: number;
  }

  export interface Swarm {
    infoHash: string;
    complete: number;
    incomplete: number;
    /** An LRU cache keyed by `ip:port` for HTTP and UDP peers, by peer id for WebSocket ones. */
    peers: { readonly keys: string[]; peek(key: string): SwarmPeer | undefined };
    scrape(
      params: unknown,
      cb: (err: Error | null, info?: { complete: number; incomplete: number }) => void,
    ): void;
  }

  export interface ServerOptions {
    /** Announce interval told to clients, in ms. */
    interval?: number;
    trustProxy?: boolean;
    http?: boolean | object;
    udp?: boolean | object;
    ws?: boolean | object;
    stats?: boolean;
    /** Called for every announce; an error passed to `cb` rejects it (a failure reason). */
    filter?: (infoHash: string, params: AnnounceParams, cb: (err?: Error | null) => void) => void;
    peersCacheLength?: number;
    peersCacheTtl?: number;
  }

  /** BitTorrent tracker server (HTTP BEP 3/23, UDP BEP 15, WebSocket). */
  export class Server extends EventEmitter {
    constructor(opts?: ServerOptions);
    intervalMs: number;
    torrents: Record<string, Swarm>;
    http: HttpServer | null;
    udp4: Socket | null;
    udp6: Socket | null;
    listen(
      port?: number | { http?: number; udp?: number },
      hostname?: string | object,
      cb?: () => void,
    ): void;
    close(cb?: (err?: Error | null) => void): void;
    onHttpRequest(
      req: IncomingMessage,
      res: ServerResponse,
      opts?: { action?: 'announce' | 'scrape'; trustProxy?: boolean },
    ): void;
    onUdpRequest(msg: Buffer, rinfo: RemoteInfo): void;
    getSwarm(infoHash: string, cb: (err: Error | null, swarm?: Swarm) => void): void;
  }

  export interface ClientOptions {
    infoHash: string | Uint8Array;
    peerId: string | Uint8Array;
    announce: string | string[];
    port: number;
    getAnnounceOpts?: () => Record<string, unknown>;
  }

  /** A tracker client: announces one infohash to its trackers. */
  export default class Client extends EventEmitter {
    constructor(opts: ClientOptions);
    start(opts?: Record<string, unknown>): void;
    stop(opts?: Record<string, unknown>): void;
    complete(opts?: Record<string, unknown>): void;
    update(opts?: Record<string, unknown>): void;
    scrape(opts?: Record<string, unknown>): void;
    destroy(cb?: () => void): void;
  }
}
