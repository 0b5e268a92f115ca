import type { IncomingMessage, ServerResponse } from 'node:http';
import bencode from 'bencode';
import { type AnnounceParams, Server } from 'bittorrent-tracker';
import type { Logger } from 'pino';
import { paths } from '../lib/api/index.js';
import { REGISTRY_PEER_ID_PREFIX, peerIdHasPrefix } from '../lib/torrent.js';
import { PeerBook, type PeerRecord } from './peer-book.js';
import { handleScrape, type ScrapeOptions } from './scrape.js';

export const DEFAULT_ANNOUNCE_INTERVAL_MS = 10_000;

export interface EmbeddedTrackerOptions {
  /** Whether the tracker accepts announces for this infohash (40 hex characters). */
  filter: (infoHash: string) => boolean;
  /**
   * Called for each accepted announce from a peer other than a registry seed (peer id
   * prefix -DKR): the registry starts seeding on demand here. A 'stopped' announce does
   * not count.
   */
  onAnnounce?: (infoHash: string, peer: AnnouncingPeer) => void;
  /** The interval told to clients (BEP 3 `interval`); short so a swarm forms in seconds. */
  announceIntervalMs?: number;
  /**
   * Peers one address may have in a swarm; announces for more are refused, so one host
   * cannot pose as many peers. Absent: no limit.
   */
  maxPeersPerIp?: number;
  /**
   * Set for a private tracker: every announce and scrape must carry a `passkey` query
   * parameter this accepts for the infohashes the request names (its `info_hash` values,
   * hex), and a scrape must name its infohashes (no full scrape).
   */
  acceptsPasskey?: (passkey: string | undefined, infoHashes: string[]) => boolean;
  logger: Logger;
}

/** One swarm as the embedded tracker sees it. */
export interface SwarmSnapshot {
  infoHash: string;
  seeders: number;
  leechers: number;
  /** Peers, the registry's seed left out, the tracker heard send 'completed'. */
  completed: number;
  /** Peers still in the swarm. */
  peers: PeerRecord[];
  /** Every peer heard, departed ones too: for byte totals. */
  everyPeer: PeerRecord[];
}

/** Who announced: the peer id (hex), the address the announce came from, its BEP 3 `left`. */
export interface AnnouncingPeer {
  peerId: string;
  ip: string;
  left: number;
  /** The announce URL's passkey (a private tracker checked it already). */
  passkey?: string;
}

export interface TrackerStats {
  /** Swarms the tracker has seen an announce for. */
  torrents: number;
  /** Peers (seeds and leechers) over all swarms. */
  peers: number;
}

export interface EmbeddedTracker {
  /**
   * Answers an HTTP announce (`/announce`) or scrape (`/scrape`) request: BEP 3 replies,
   * compact peers per BEP 23 when asked. The caller has already chosen the status (200)
   * and given up its own response handling.
   */
  handle(req: IncomingMessage, res: ServerResponse): void;
  stats(): TrackerStats;
  swarms(): SwarmSnapshot[];
  /** Peers in one swarm now, the registry's seed left out. */
  hostsIn(infoHash: string): number;
  /** Peers downloading (`left` > 0) in any swarm now, the registry's seed left out. */
  leechers(): number;
  close(): Promise<void>;
}

export interface TrackerServerOptions
  extends Omit<EmbeddedTrackerOptions, 'filter' | 'acceptsPasskey'> {
  /** Absent: every infohash is allowed. */
  filter?: (infoHash: string) => boolean | Promise<boolean>;
  /** Every accepted announce, for a PeerBook. */
  onPeerAnnounce?: (params: AnnounceParams) => void;
}

/** A bittorrent-tracker Server that owns no socket: a host HTTP server hands it requests. */
export function createTrackerServer(opts: TrackerServerOptions): Server {
  const { logger } = opts;
  const filter = opts.filter ?? (() => true);
  const server = new Server({
    http: false,
    udp: false,
    ws: false,
    stats: false,
    interval: opts.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS,
    filter: (infoHash, params, cb) => {
      Promise.resolve()
        .then(() => filter(infoHash))
        .catch((err: unknown) => {
          logger.error({ err, infoHash }, 'tracker filter failed');
          return false;
        })
        .then((allowed) => {
          if (!allowed) {
            cb(new Error('infohash not allowed on this tracker'));
            return;
          }
          if (params.event === 'stopped') {
            opts.onPeerAnnounce?.(params);
            cb(null);
            return;
          }
          if (tooManyFromIp(server, infoHash, params, opts.maxPeersPerIp)) {
            cb(new Error('too many peers from this address'));
            return;
          }
          opts.onPeerAnnounce?.(params);
          if (!peerIdHasPrefix(params.peer_id, REGISTRY_PEER_ID_PREFIX)) {
            try {
              opts.onAnnounce?.(infoHash, {
                peerId: params.peer_id,
                ip: params.ip ?? '',
                left: Number(params.left ?? Number.POSITIVE_INFINITY),
                ...(typeof params.passkey === 'string' ? { passkey: params.passkey } : {}),
              });
            } catch (err) {
              logger.error({ err, infoHash }, 'tracker onAnnounce failed');
            }
          }
          cb(null);
        });
    },
  });
  // Malformed requests and rejected infohashes: the client gets a failure reason.
  server.on('warning', (err: Error) => logger.debug({ err: err.message }, 'tracker warning'));
  server.on('error', (err: Error) => logger.error({ err }, 'tracker error'));
  return server;
}

/**
 * Whether the swarm already holds `max` peers at the announcing address, not counting
 * this peer (its re-announces keep working). HTTP and UDP peers are keyed by `ip:port`;
 * WebSocket peers (by peer id) are not counted.
 */
function tooManyFromIp(
  server: Server,
  infoHash: string,
  params: AnnounceParams,
  max: number | undefined,
): boolean {
  const swarm = server.torrents[infoHash];
  if (max === undefined || !swarm || params.type === 'ws') return false;
  if (params.addr !== undefined && swarm.peers.peek(params.addr)) return false;
  let count = 0;
  for (const key of swarm.peers.keys) {
    if (swarm.peers.peek(key)?.ip === params.ip) count++;
  }
  return count >= max;
}

export function trackerStats(server: Server): TrackerStats {
  let peers = 0;
  const swarms = Object.values(server.torrents);
  for (const swarm of swarms) peers += swarm.complete + swarm.incomplete;
  return { torrents: swarms.length, peers };
}

/** Routes a request by path to the announce or the fixed scrape handler. */
export function routeTrackerRequest(
  server: Server,
  req: IncomingMessage,
  res: ServerResponse,
  scrape: ScrapeOptions = { full: true },
): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path === paths.announce()) {
    req.url = forceCompact(req.url ?? '');
    server.onHttpRequest(req, res, { action: 'announce' });
    return true;
  }
  if (path === paths.scrape()) {
    handleScrape(server, req, res, scrape);
    return true;
  }
  return false;
}

/**
 * BEP 23: `compact` is advisory and a tracker may always answer in the compact format.
 * We do: bittorrent-tracker's non-compact reply writes each binary peer id through the
 * same latin1→UTF-8 mix-up as its scrape keys (see scrape.ts), corrupting them.
 */
export function forceCompact(url: string): string {
  const [path, query = ''] = url.split('?');
  const params = query.split('&').filter((p) => p !== '' && !p.startsWith('compact='));
  params.push('compact=1');
  return `${path}?${params.join('&')}`;
}

export function createEmbeddedTracker(opts: EmbeddedTrackerOptions): EmbeddedTracker {
  const intervalMs = opts.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
  // A peer missing two announces (and some slack) has left.
  const book = new PeerBook({ staleMs: 2 * intervalMs + 5_000 });
  const server = createTrackerServer({
    ...opts,
    onPeerAnnounce: (p) =>
      book.record({
        infoHash: p.info_hash,
        peerId: p.peer_id,
        address: p.addr ?? `${p.ip ?? ''}:${p.port ?? 0}`,
        event: p.event,
        left: p.left ?? Number.POSITIVE_INFINITY,
        downloaded: Number(p.downloaded ?? 0),
        uploaded: Number(p.uploaded ?? 0),
      }),
  });
  const swarms = (): SwarmSnapshot[] =>
    book.infoHashes().map((infoHash) => {
      const swarm = server.torrents[infoHash];
      const everyPeer = book.all(infoHash);
      return {
        infoHash,
        seeders: swarm?.complete ?? 0,
        leechers: swarm?.incomplete ?? 0,
        completed: everyPeer.filter(
          (p) => p.completed && !peerIdHasPrefix(p.peerId, REGISTRY_PEER_ID_PREFIX),
        ).length,
        peers: book.current(infoHash),
        everyPeer,
      };
    });
  const { acceptsPasskey } = opts;
  return {
    swarms,
    leechers: () => {
      let n = 0;
      for (const infoHash of book.infoHashes())
        for (const p of book.current(infoHash))
          if (p.left > 0 && !peerIdHasPrefix(p.peerId, REGISTRY_PEER_ID_PREFIX)) n++;
      return n;
    },
    hostsIn: (infoHash) =>
      book.current(infoHash).filter((p) => !peerIdHasPrefix(p.peerId, REGISTRY_PEER_ID_PREFIX))
        .length,
    handle(req, res) {
      const url = req.url ?? '';
      if (acceptsPasskey && !acceptsPasskey(passkeyOf(url), infoHashesOf(url))) {
        res.setHeader('Content-Type', 'text/plain');
        res.end(bencode.encode({ 'failure reason': 'a valid passkey is required' }));
        return;
      }
      if (!routeTrackerRequest(server, req, res, { full: !acceptsPasskey })) {
        res.statusCode = 404;
        res.end();
      }
    },
    stats: () => trackerStats(server),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The `info_hash` query parameters of a tracker URL, as hex: 20 bytes each, percent-encoded
 * byte by byte (BEP 3). Values that are not 20 bytes are left out.
 */
export function infoHashesOf(url: string): string[] {
  const query = url.split('?')[1] ?? '';
  const out: string[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq) !== 'info_hash') continue;
    const value = pair.slice(eq + 1);
    const bytes: number[] = [];
    for (let i = 0; i < value.length; i++) {
      const hex = value.slice(i + 1, i + 3);
      if (value[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else bytes.push(value.charCodeAt(i) & 0xff);
    }
    if (bytes.length === 20) out.push(Buffer.from(bytes).toString('hex'));
  }
  return out;
}

/** The `passkey` query parameter of a tracker URL. */
export function passkeyOf(url: string): string | undefined {
  const query = url.split('?')[1] ?? '';
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq) === 'passkey') return pair.slice(eq + 1);
  }
  return undefined;
}
