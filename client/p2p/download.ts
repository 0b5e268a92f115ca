import { rm } from 'node:fs/promises';
import parseTorrent from 'parse-torrent';
import type { Logger } from 'pino';
import type WebTorrent from '@docket/webtorrent';
import type { Torrent, Wire } from '@docket/webtorrent';
import { PieceVerificationError } from '../../lib/errors.js';
import { fileStore } from '../../lib/p2p/file-store.js';
import { removeTorrent } from '../../lib/p2p/torrent-client.js';
import { DiskFullError, isDiskFullCode, SwarmStalledError, systemErrorCode } from '../errors.js';
import type { DownloadProgress, TransferStats } from './peer.js';
import { type WebSeedReason, WebSeedFallback } from './fallback-policy.js';
import { failedPieceIndex } from './piece-failed-warning.js';
import { PieceWatch } from './piece-watch.js';
import { SnubWatch } from './snub-watch.js';
import { StallWatch } from './stall-watch.js';
import { TransferTally } from './transfer-stats.js';
import { startWatchdog } from './watchdog.js';

export interface DownloadTuning {
  /** Add the web seed when no peer has sent data for this long. */
  stallMs: number;
  /** Fail when one piece failed this often and every source sent a bad piece. */
  maxPieceFailures: number;
  /** Fail when a piece failed and none was verified for this long. */
  pieceFailureWindowMs: number;
}

export interface DownloadRequest {
  digest: string;
  size: number;
  /** The blob's .torrent, its url-list (BEP 19) the web seeds to fall back to. */
  torrent: Buffer;
  /** The file the pieces are written to (and resumed from). */
  filePath: string;
}

export interface DownloadOptions extends DownloadTuning {
  /**
   * Peers ("ip:port") to connect to besides the trackers': other hosts of the deploy,
   * found by earlier downloads, so that a download starting after the tracker died
   * still finds them.
   */
  peers?: string[];
  /** A host of the swarm (not the registry's seed) we connected to, as "ip:port". */
  onPeer?(addr: string): void;
  /** A peer dropped for sending bad pieces, as "ip:port". */
  onBadPeer?(addr: string): void;
  logger?: Logger | undefined;
  onProgress?(p: DownloadProgress): void;
  signal?: AbortSignal | undefined;
}

/**
 * Downloads one blob's torrent into `filePath` with `client`, rarest piece first, and
 * resolves with where its bytes came from once every piece is verified (SHA-1, BEP 3);
 * the blob's sha256 is the caller's to check. The url-list is held back and added as
 * web seeds only when WebSeedFallback says so. Rejects with PieceVerificationError when
 * PieceWatch gives up on bad pieces (the partial file is removed: its pieces are sound
 * but the next attempt must not trust this source), with the signal's reason when aborted
 * (the partial file stays so the next attempt resumes), with SwarmStalledError when no
 * source sent data for `stallMs` after the web seed was added (the partial file stays
 * too), and with the torrent's error.
 */
export async function downloadTorrent(
  client: WebTorrent,
  request: DownloadRequest,
  opts: DownloadOptions,
): Promise<TransferStats> {
  const parsed = await parseTorrent(request.torrent);
  const webSeeds = parsed.urlList;
  parsed.urlList = [];
  await removeTorrent(client, parsed.infoHash);
  const torrent = client.add(parsed, {
    store: fileStore({ filePath: request.filePath }),
    // A downloading host also uploads pieces to several peers at once: keep 8 in memory.
    storeCacheSlots: 8,
    strategy: 'rarest',
  });
  const addPeers = () => {
    if (torrent.destroyed) return;
    for (const addr of opts.peers ?? []) torrent.addPeer(addr);
  };
  // webtorrent throws on addPeer before the torrent has its infohash (set asynchronously).
  if (torrent.infoHash) addPeers();
  else torrent.once('infoHash', addPeers);
  // A torrent that destroyed itself (a store write failed) never calls a later destroy's callback.
  const close = () =>
    torrent.destroyed
      ? Promise.resolve()
      : new Promise<void>((resolve) => torrent.destroy(() => resolve()));
  const tally = new TransferTally();
  try {
    await follow(torrent, request, webSeeds, tally, opts);
  } catch (err) {
    await close();
    if (err instanceof PieceVerificationError) await rm(request.filePath, { force: true });
    const code = systemErrorCode(err);
    if (isDiskFullCode(code)) throw new DiskFullError(request.filePath, code as string);
    throw err;
  }
  await close();
  return tally.stats();
}

/** Wires a torrent's events to the fallback policy, the piece watch and the tally. */
function follow(
  torrent: Torrent,
  request: DownloadRequest,
  webSeeds: string[],
  tally: TransferTally,
  opts: DownloadOptions,
): Promise<void> {
  const { digest, size } = request;
  const { logger } = opts;
  const fallback = new WebSeedFallback({ stallMs: opts.stallMs, startedAt: Date.now() });
  /** Peer ids of peers that sent bad pieces: their connections are dropped, now and later. */
  const banned = new Set<string>();
  const watch = new PieceWatch({
    digest,
    maxFailures: opts.maxPieceFailures,
    windowMs: opts.pieceFailureWindowMs,
    onBan: (wire) => {
      const peer = `${wire.remoteAddress}:${wire.remotePort}`;
      banned.add(wire.peerId);
      logger?.warn({ digest, peer }, 'dropped a peer that sent bad pieces');
      opts.onBadPeer?.(peer);
      wire.destroy();
    },
  });
  const stall = new StallWatch(opts.stallMs, Date.now());
  // Half the stall time: a silent peer's blocks are free again well before the web seed
  // is due, and long before this download could be declared stalled.
  const snubs = new SnubWatch<Wire>(opts.stallMs / 2);
  const dropSnubbing = (now: number) => {
    for (const wire of torrent.wires) {
      if (wire.type === 'webSeed' || wire.destroyed) continue;
      if (!snubs.snubbing(wire, wire.requests.length, now)) continue;
      logger?.warn(
        {
          digest,
          peer: `${wire.remoteAddress}:${wire.remotePort}`,
          pending: wire.requests.length,
          peerChoking: wire.peerChoking,
        },
        'dropped a peer that sent nothing for its requests',
      );
      wire.destroy();
    }
  };
  const consider = (decide: () => WebSeedReason | undefined) => {
    if (torrent.destroyed || torrent.done) return;
    const reason = decide();
    if (!reason) return;
    stall.lastResortTried(Date.now());
    if (webSeeds.length === 0) {
      logger?.warn({ digest, reason }, 'no peers and no web seed');
      return;
    }
    logger?.warn({ digest, reason }, 'falling back to the web seed');
    watch.webSeedAdded();
    for (const url of webSeeds) torrent.addWebSeed(url);
  };
  return new Promise<void>((resolve, reject) => {
    const stopWatchdog = startWatchdog(opts.stallMs, (now) => {
      dropSnubbing(now);
      consider(() => fallback.tick(now));
      const failure = watch.check(now);
      if (failure) finish(failure);
      const idleMs = stall.idleMs(now);
      if (idleMs !== undefined && !torrent.done)
        finish(new SwarmStalledError(digest, idleMs, describeSwarm(torrent)));
    });
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      stopWatchdog();
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    torrent.on('wire', (wire) => {
      // The tracker hands a banned peer out again at each announce.
      if (banned.has(wire.peerId)) {
        wire.destroy();
        return;
      }
      const source = tally.classify(wire);
      // Only an outgoing connection's remote port is the peer's listening port.
      if (source === 'fromPeers' && wire.type === 'tcpOutgoing' && wire.remoteAddress)
        opts.onPeer?.(`${wire.remoteAddress}:${wire.remotePort}`);
      watch.watchWire(wire);
      wire.on('download', (bytes: number) => {
        snubs.delivered(wire, Date.now());
        tally.add(source, bytes);
        stall.data(Date.now());
        if (source !== 'fromWebSeed') fallback.peerData(Date.now());
      });
    });
    torrent.on('verified', (index: number) => watch.verified(index));
    torrent.on('trackerAnnounce', () => fallback.trackerAnnounced());
    torrent.on('warning', (err: Error) => {
      const piece = failedPieceIndex(err);
      if (piece !== undefined) {
        logger?.debug({ digest, piece }, 'piece failed verification');
        // Bad data from peers also resets the stall clock: try the web seed now.
        consider(() => fallback.pieceFailed());
        const failure = watch.failed(piece, torrent.wires);
        if (failure) finish(failure);
        return;
      }
      logger?.debug({ err: err.message, digest }, 'torrent warning');
      consider(() => fallback.trackerWarning(tally.peerBytes()));
    });
    torrent.on('download', () => {
      opts.onProgress?.({
        downloaded: torrent.downloaded,
        total: size,
        peers: torrent.numPeers,
        stats: tally.stats(),
      });
    });
    torrent.once('error', (err: Error) => finish(err));
    torrent.once('close', () => finish(new Error(`download of ${digest} was stopped`)));
    torrent.once('done', () => finish());
    if (torrent.done) finish();
  });
}

/** "2 peers (1 choking us), 1 web seed, 3 of 40 pieces missing, 12 requests waiting". */
function describeSwarm(torrent: Torrent): string {
  const peers = torrent.wires.filter((w) => w.type !== 'webSeed' && !w.destroyed);
  const choking = peers.filter((w) => w.peerChoking).length;
  const webSeeds = torrent.wires.filter((w) => w.type === 'webSeed').length;
  const missing = torrent.pieces.filter((p) => p !== null).length;
  const waiting = torrent.wires.reduce((n, w) => n + w.requests.length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    `${plural(peers.length, 'peer')} (${choking} choking us), ${plural(webSeeds, 'web seed')}, ` +
    `${missing} of ${torrent.pieces.length} pieces missing, ${plural(waiting, 'request')} waiting`
  );
}
