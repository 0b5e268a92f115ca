import type { Logger } from 'pino';
import type WebTorrent from '@docket/webtorrent';
import type { Torrent, Wire } from '@docket/webtorrent';
import { DigestMismatchError } from '../../lib/errors.js';
import { seedFile } from '../../lib/p2p/seed-file.js';
import type { RateLimit } from '../../lib/bandwidth.js';
import { createTorrentClient } from '../../lib/p2p/torrent-client.js';
import {
  infoHashOf,
  pieceLengthFor,
  REGISTRY_PEER_ID_PREFIX,
  renderTorrentFile,
} from '../../lib/torrent.js';
import { StoredBlobVerifier } from './blob-verifier.js';
import { rationPieces } from './origin-wire.js';

/** A stored blob as the seeder needs it: `info` is its bencoded torrent info dict. */
export interface SeedableBlob {
  digest: string;
  path: string;
  size: number;
  info: Buffer;
}

/**
 * How often a private registry's seeder checks its open wires against the grants again:
 * a peer whose token was revoked, rotated or expired loses its wire within this.
 */
export const GRANT_RECHECK_MS = 5_000;

export interface SeederOptions {
  /** The stored blob whose torrent has this infohash, if any. */
  findByInfoHash(infoHash: string): SeedableBlob | undefined;
  /**
   * Trackers the seeder announces to, asked each time a torrent starts or a .torrent is
   * rendered: the list may name the registry's own URL, known only once it listens.
   */
  announce(): string[];
  /** The blob's HTTP URL: the BEP 19 web seed written into `torrentFile`. */
  webSeedUrl(digest: string): string;
  /**
   * Set when blob files are a cache of the store (LocalBlobFiles.ensureLocal): makes the
   * blob's `path` hold it before it is seeded, and marks it used; true when it was copied
   * and verified just now. Absent: `path` is the stored blob itself.
   */
  ensureLocal?: (digest: string) => Promise<boolean>;
  /** Drop a torrent after this long without announces, wires or uploads (default 5 min). */
  idleMs?: number;
  /** At most this many active torrents; the least recently active goes first (default 200). */
  maxActive?: number;
  /** TCP port for incoming peers; 0 or absent picks a free one. */
  torrentPort?: number;
  /** The registry's egress budget (lib/bandwidth.ts), shared with its HTTP blob bytes. */
  upload?: RateLimit;
  /**
   * Ration pieces (origin-wire.ts): offer each peer a few pieces at a time, each first
   * copy to a different peer, so the swarm trades the rest (default true). Off, the seed
   * announces every piece to every peer.
   */
  rationPieces?: boolean;
  /**
   * Set in a private registry: whether the seeder may talk to this peer (one that
   * announced with a valid passkey). Wires of other peers are closed right after the
   * handshake, before the seeder sends metadata or pieces; open wires are asked again
   * every GRANT_RECHECK_MS (and at once on recheckWires) and closed once their peer is no
   * longer admitted.
   */
  admitPeer?: (peer: { infoHash: string; peerId: string; ip: string }) => boolean;
  logger: Logger;
}

export interface SeederStats {
  activeTorrents: number;
  /** Connected peers over all active torrents. */
  peers: number;
  /** Bytes uploaded to peers since the seeder started. */
  uploadedBytes: number;
}

interface Active {
  digest: string;
  blob: SeedableBlob;
  /** The file hashed to its digest; from then on a changed mtime/size means re-check. */
  verified: boolean;
  lastActive: number;
  torrent: Promise<Torrent>;
}

/**
 * The registry's own peer: seeds stored blobs in place, on demand. A torrent starts when
 * a peer announces its infohash (`onAnnounce`) or when `seed` is called, and stops after
 * `idleMs` without activity or when `maxActive` is exceeded, so the number of open
 * torrents follows demand, not the number of blobs. Pieces are not re-hashed on start
 * (`skipVerify`); instead the file's sha256 is checked against its digest once per
 * process (and again when its mtime or size changes), and a blob that fails is not
 * seeded: bytes changed on disk after the upload would otherwise go to every peer.
 * TCP only (no uTP, DHT, LSD, PEX, UPnP); peer id prefix -DKR.
 */
export class Seeder {
  private readonly client: WebTorrent;
  private readonly active = new Map<string, Active>();
  private readonly verifier = new StoredBlobVerifier();
  private readonly idleMs: number;
  private readonly maxActive: number;
  private readonly sweep: NodeJS.Timeout;
  /** Re-checks open wires against admitPeer (a revoked or rotated token's peers go). */
  private recheck: NodeJS.Timeout | undefined;
  private uploadedClosed = 0;
  /** Bytes uploaded by torrents already stopped, per infohash. */
  private readonly uploadedClosedBy = new Map<string, number>();
  private closed = false;

  constructor(private readonly opts: SeederOptions) {
    this.idleMs = opts.idleMs ?? 5 * 60_000;
    this.maxActive = opts.maxActive ?? 200;
    this.client = createTorrentClient({
      peerIdPrefix: REGISTRY_PEER_ID_PREFIX,
      torrentPort: opts.torrentPort ?? 0,
      webSeeds: false,
      ...(opts.upload ? { bandwidth: { upload: opts.upload } } : {}),
    });
    this.client.on('error', (err: Error) => opts.logger.error({ err }, 'seeder client error'));
    this.sweep = setInterval(
      () => this.dropIdle(),
      Math.max(250, Math.min(this.idleMs / 2, 30_000)),
    );
    this.sweep.unref();
    if (opts.admitPeer) {
      this.recheck = setInterval(() => this.recheckWires(), GRANT_RECHECK_MS);
      this.recheck.unref();
    }
  }

  /** The TCP port peers connect to, once listening. */
  get torrentPort(): number {
    return this.client.torrentPort;
  }

  /**
   * Starts seeding a stored blob (a no-op if it is seeded already and its file did not
   * change); resolves when ready. Throws DigestMismatchError when the file does not hash
   * to the blob's digest (logged here, with the path).
   */
  async seed(blob: SeedableBlob): Promise<void> {
    if (this.closed) throw new Error('seeder is closed');
    const infoHash = infoHashOf(blob.info);
    const existing = this.active.get(infoHash);
    if (existing) {
      existing.lastActive = Date.now();
      const copied = await this.ensureLocal(blob);
      const unchanged =
        !existing.verified || (!copied && (await this.verifier.unchanged(existing.blob)));
      if (unchanged || this.active.get(infoHash) !== existing) {
        await (this.active.get(infoHash) ?? existing).torrent;
        return;
      }
      this.opts.logger.info({ infoHash, digest: blob.digest }, 'blob file changed: re-checking');
      this.drop(infoHash);
    }
    const entry: Active = {
      digest: blob.digest,
      blob,
      verified: false,
      lastActive: Date.now(),
      torrent: this.verifyThenStart(infoHash, blob, () => {
        entry.verified = true;
      }),
    };
    this.active.set(infoHash, entry);
    this.enforceMaxActive();
    try {
      await entry.torrent;
    } catch (err) {
      if (this.active.get(infoHash) === entry) this.active.delete(infoHash);
      throw err;
    }
  }

  /**
   * A blob the registry has just stored, its bytes hashed to its digest on the way in: its
   * first seed skips the sha256 check (StoredBlobVerifier.vouch). Throws the file's errors.
   */
  vouch(blob: Pick<SeedableBlob, 'digest' | 'path'>): Promise<void> {
    return this.verifier.vouch(blob);
  }

  /**
   * The .torrent a client downloads `blob` with: our trackers, the blob URL as web seed
   * (BEP 19), the same bytes on every call.
   */
  torrentFile(blob: Pick<SeedableBlob, 'digest' | 'info'>): Buffer {
    return renderTorrentFile(blob.info, {
      announce: this.opts.announce(),
      urlList: [this.opts.webSeedUrl(blob.digest)],
    });
  }

  /** A peer announced `infoHash` to our tracker: seed it if it is a stored blob. */
  onAnnounce(infoHash: string): void {
    if (this.closed) return;
    const blob = this.active.get(infoHash)?.blob ?? this.opts.findByInfoHash(infoHash);
    if (!blob) return;
    this.seed(blob).catch((err: unknown) => {
      if (err instanceof DigestMismatchError || this.closed) return;
      this.opts.logger.error({ err, infoHash, digest: blob.digest }, 'seeding failed');
    });
  }

  /** Stops seeding a blob that is gone (swept by gc); a later announce finds no blob. */
  stop(infoHash: string): void {
    this.drop(infoHash);
  }

  stats(): SeederStats {
    let peers = 0;
    let uploaded = this.uploadedClosed;
    for (const torrent of this.client.torrents) {
      peers += torrent.numPeers;
      uploaded += torrent.uploaded;
    }
    return { activeTorrents: this.active.size, peers, uploadedBytes: uploaded };
  }

  /** Bytes uploaded to peers since the seeder started, per infohash. */
  uploadedByInfoHash(): Map<string, number> {
    const out = new Map(this.uploadedClosedBy);
    for (const torrent of this.client.torrents) {
      out.set(torrent.infoHash, (out.get(torrent.infoHash) ?? 0) + torrent.uploaded);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweep);
    clearInterval(this.recheck);
    this.active.clear();
    await new Promise<void>((resolve) => this.client.destroy(() => resolve()));
  }

  private async verifyThenStart(
    infoHash: string,
    blob: SeedableBlob,
    onVerified: () => void,
  ): Promise<Torrent> {
    await this.ensureLocal(blob);
    const { match, actual, fresh } = await this.verifier.check(blob);
    if (!match) {
      const fields = { digest: blob.digest, path: blob.path, actual, infoHash };
      if (fresh)
        this.opts.logger.error(fields, 'stored blob does not match its digest: not seeded');
      else this.opts.logger.debug(fields, 'not seeding a corrupted blob');
      throw new DigestMismatchError(blob.digest, actual);
    }
    onVerified();
    if (this.closed) throw new Error('seeder is closed');
    return this.start(infoHash, blob);
  }

  /** Has the blob's file copied in (opts.ensureLocal); a fresh copy was verified on the way. */
  private async ensureLocal(blob: SeedableBlob): Promise<boolean> {
    if (!this.opts.ensureLocal) return false;
    const copied = await this.opts.ensureLocal(blob.digest);
    if (copied) await this.verifier.vouch(blob);
    return copied;
  }

  private async start(infoHash: string, blob: SeedableBlob): Promise<Torrent> {
    const torrentFile = renderTorrentFile(blob.info, {
      announce: this.opts.announce(),
      urlList: [],
    });
    let stopRationing: (() => void) | undefined;
    const torrent = await seedFile(this.client, torrentFile, {
      filePath: blob.path,
      onAdd: (added) => {
        // First: the rationing hook below skips wires already destroyed.
        const { admitPeer } = this.opts;
        if (admitPeer) added.on('wire', (wire: Wire) => this.guard(wire, infoHash, admitPeer));
        if (this.opts.rationPieces !== false)
          stopRationing = rationPieces(added, {
            length: blob.size,
            pieceLength: pieceLengthFor(blob.size),
          });
      },
      onError: (err) => {
        this.opts.logger.error({ err, infoHash }, 'seeded torrent failed');
        this.drop(infoHash);
      },
    });
    torrent.once('close', () => stopRationing?.());
    torrent.on('upload', () => this.touch(infoHash));
    // A wire the passkey guard closed is no activity: strangers must not keep a torrent open.
    torrent.on('wire', (wire: Wire) => {
      if (!wire.destroyed) this.touch(infoHash);
    });
    this.opts.logger.debug({ infoHash, digest: blob.digest }, 'seeding blob');
    return torrent;
  }

  private guard(
    wire: Wire,
    infoHash: string,
    admitPeer: NonNullable<SeederOptions['admitPeer']>,
  ): void {
    if (wire.destroyed) return;
    const peer = { infoHash, peerId: wire.peerId, ip: wire.remoteAddress ?? '' };
    if (admitPeer(peer)) return;
    this.opts.logger.debug(peer, 'closing a wire to a peer without a passkey announce');
    wire.destroy();
  }

  private touch(infoHash: string): void {
    const entry = this.active.get(infoHash);
    if (entry) entry.lastActive = Date.now();
  }

  /**
   * Closes open wires whose peer is no longer admitted (its token revoked, rotated,
   * expired). Runs every GRANT_RECHECK_MS; the registry also calls it when a token is
   * revoked or rotated, so those peers lose their wires at once.
   */
  recheckWires(): void {
    const { admitPeer } = this.opts;
    if (!admitPeer) return;
    for (const [infoHash, entry] of this.active) {
      entry.torrent
        .then((torrent) => {
          for (const wire of [...torrent.wires]) this.guard(wire, infoHash, admitPeer);
        })
        .catch(() => {});
    }
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const [infoHash, entry] of this.active) {
      if (now - entry.lastActive < this.idleMs) continue;
      entry.torrent
        .then((torrent) => {
          // An open wire is activity even while no piece is requested.
          if (torrent.numPeers > 0 && now - entry.lastActive < 2 * this.idleMs) return;
          this.drop(infoHash);
        })
        .catch(() => {});
    }
  }

  private enforceMaxActive(): void {
    while (this.active.size > this.maxActive) {
      let oldest: [string, Active] | undefined;
      for (const item of this.active) {
        if (!oldest || item[1].lastActive < oldest[1].lastActive) oldest = item;
      }
      if (!oldest) return;
      this.drop(oldest[0]);
    }
  }

  private drop(infoHash: string): void {
    const entry = this.active.get(infoHash);
    if (!entry) return;
    this.active.delete(infoHash);
    entry.torrent
      .then((torrent) => {
        this.uploadedClosed += torrent.uploaded;
        this.uploadedClosedBy.set(
          infoHash,
          (this.uploadedClosedBy.get(infoHash) ?? 0) + torrent.uploaded,
        );
        this.opts.logger.debug({ infoHash, digest: entry.digest }, 'stopped seeding idle blob');
        torrent.destroy();
      })
      .catch(() => {});
  }
}
