/** Why a direct download was cut short: another host started on the blob. */
export class DirectTransferCut extends Error {
  constructor(readonly infoHash: string) {
    super(`another host started on ${infoHash}: the direct download is cut, take the swarm`);
  }
}

export interface DirectGateDeps {
  /** Hosts (peers other than the registry's seed) in the blob's swarm now; 0 when unknown. */
  hostsInSwarm(infoHash: string): number;
  /** Outcome counters (metrics). */
  onOutcome?(outcome: 'granted' | 'denied' | 'cut'): void;
}

/** A granted direct download: stream the blob until `signal` aborts, then call `end`. */
export interface DirectTransfer {
  signal: AbortSignal;
  end(): void;
}

/**
 * Decides whether a host may download a blob straight from the registry over HTTP
 * (`Docket-Direct: 1` on a blob GET) instead of through the swarm.
 *
 * A lone puller gains most from it: plain HTTP runs at the link's speed for a fraction
 * of BitTorrent's CPU, and the registry sends the blob once either way. When several
 * hosts pull at once, the swarm is better: the registry's seed sends each piece about
 * once and the hosts trade the rest, where direct downloads would send the blob once
 * per host. So a direct download is granted only while nobody else is on the blob — no
 * other host in its swarm (downloading or seeding: a seeder has the data) and no other
 * direct download of it — and is cut as soon as another host starts on it (asks for a
 * direct download, or announces to the embedded tracker). The cut host keeps what it
 * received and resumes from the swarm, where it now has pieces to trade; the newcomer
 * is told to use the swarm. Without an embedded tracker only direct requests count.
 */
export class DirectGate {
  /** infohash → the controllers of its direct transfers in flight. */
  private readonly active = new Map<string, Set<AbortController>>();

  constructor(private readonly deps: DirectGateDeps) {}

  /** A transfer, or undefined when other hosts are on the blob (it is for the swarm). */
  admit(infoHash: string): DirectTransfer | undefined {
    const running = this.active.get(infoHash);
    if (running?.size || this.deps.hostsInSwarm(infoHash) > 0) {
      this.contend(infoHash);
      this.deps.onOutcome?.('denied');
      return undefined;
    }
    const controller = new AbortController();
    const set = running ?? new Set();
    set.add(controller);
    this.active.set(infoHash, set);
    this.deps.onOutcome?.('granted');
    let ended = false;
    return {
      signal: controller.signal,
      end: () => {
        if (ended) return;
        ended = true;
        set.delete(controller);
        if (set.size === 0 && this.active.get(infoHash) === set) this.active.delete(infoHash);
      },
    };
  }

  /** Another host started on the blob: cut its direct transfers (they resume from the swarm). */
  contend(infoHash: string): void {
    for (const controller of this.active.get(infoHash) ?? []) {
      if (controller.signal.aborted) continue;
      controller.abort(new DirectTransferCut(infoHash));
      this.deps.onOutcome?.('cut');
    }
  }

  /** Direct transfers in flight. */
  inFlight(): number {
    let n = 0;
    for (const set of this.active.values()) n += set.size;
    return n;
  }
}
