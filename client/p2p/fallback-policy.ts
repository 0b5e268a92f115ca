/** Why a download adds the registry's BEP 19 web seed. */
export type WebSeedReason = 'peers stalled' | 'tracker unreachable' | 'a piece failed verification';

export interface WebSeedFallbackOptions {
  /** Add the web seed when no BitTorrent peer has sent data for this long. */
  stallMs: number;
  /** When the download started (ms, the clock the other calls use). */
  startedAt: number;
}

/**
 * Decides when a download stops waiting for the swarm and adds the registry's web seed:
 * peers sent nothing for `stallMs` (counting from the start), a tracker warning arrived
 * before any announce succeeded and before any peer sent data (the swarm cannot be
 * found), or a piece failed its hash check (bad data from peers). It decides once: each
 * method returns the reason the first time the web seed is due, undefined otherwise.
 * Pure: time is passed in, nothing is done.
 */
export class WebSeedFallback {
  private lastPeerData: number;
  private announced = false;
  private decided = false;

  constructor(private readonly opts: WebSeedFallbackOptions) {
    this.lastPeerData = opts.startedAt;
  }

  /** Bytes arrived from a BitTorrent peer (the registry's seed included, not the web seed). */
  peerData(now: number): void {
    this.lastPeerData = now;
  }

  /** An announce to a tracker succeeded. */
  trackerAnnounced(): void {
    this.announced = true;
  }

  /** A periodic check. */
  tick(now: number): WebSeedReason | undefined {
    return now - this.lastPeerData >= this.opts.stallMs ? this.decide('peers stalled') : undefined;
  }

  /** A warning that is not a failed piece (trackers report failures this way). */
  trackerWarning(peerBytes: number): WebSeedReason | undefined {
    return !this.announced && peerBytes === 0 ? this.decide('tracker unreachable') : undefined;
  }

  /** A piece failed its hash check. */
  pieceFailed(): WebSeedReason | undefined {
    return this.decide('a piece failed verification');
  }

  private decide(reason: WebSeedReason): WebSeedReason | undefined {
    if (this.decided) return undefined;
    this.decided = true;
    return reason;
  }
}
