/**
 * What the tracker remembers of each peer's announces (BEP 3 `left`, `downloaded`,
 * `uploaded`), per infohash: bittorrent-tracker keeps only whether a peer is complete.
 * A peer that sends 'stopped' or is not heard from for `staleMs` is no longer listed,
 * but its counts stay, so bytes peers traded still add up after they leave. Bounded:
 * the least recently heard peers are forgotten past `maxPeersPerSwarm`.
 */

export interface PeerAnnounce {
  infoHash: string;
  /** 40 hex characters. */
  peerId: string;
  address: string;
  event?: string;
  left: number;
  downloaded: number;
  uploaded: number;
}

export interface PeerRecord {
  peerId: string;
  address: string;
  left: number;
  downloaded: number;
  uploaded: number;
  /** Epoch ms of the last announce. */
  lastAnnounce: number;
  /** Sent 'completed' at some point. */
  completed: boolean;
  /** Sent 'stopped' since. */
  stopped: boolean;
}

export interface PeerBookOptions {
  staleMs: number;
  maxPeersPerSwarm?: number;
  now?: () => number;
}

export class PeerBook {
  private readonly swarms = new Map<string, Map<string, PeerRecord>>();
  private readonly maxPeers: number;
  private readonly now: () => number;

  constructor(private readonly opts: PeerBookOptions) {
    this.maxPeers = opts.maxPeersPerSwarm ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  record(a: PeerAnnounce): void {
    let peers = this.swarms.get(a.infoHash);
    if (!peers) {
      peers = new Map();
      this.swarms.set(a.infoHash, peers);
    }
    const before = peers.get(a.peerId);
    // Re-inserted so the Map's order is least recently heard first.
    peers.delete(a.peerId);
    peers.set(a.peerId, {
      peerId: a.peerId,
      address: a.address,
      left: finite(a.left),
      downloaded: finite(a.downloaded),
      uploaded: finite(a.uploaded),
      lastAnnounce: this.now(),
      completed: (before?.completed ?? false) || a.event === 'completed',
      stopped: a.event === 'stopped',
    });
    for (const id of peers.keys()) {
      if (peers.size <= this.maxPeers) break;
      peers.delete(id);
    }
  }

  infoHashes(): string[] {
    return [...this.swarms.keys()];
  }

  /** Every peer ever heard in the swarm (within the bound), departed ones too. */
  all(infoHash: string): PeerRecord[] {
    return [...(this.swarms.get(infoHash)?.values() ?? [])];
  }

  /** The peers still in the swarm: not stopped, heard within `staleMs`. */
  current(infoHash: string): PeerRecord[] {
    const since = this.now() - this.opts.staleMs;
    return this.all(infoHash).filter((p) => !p.stopped && p.lastAnnounce >= since);
  }
}

function finite(n: number): number {
  return Number.isFinite(n) && n >= 0 ? n : 0;
}
