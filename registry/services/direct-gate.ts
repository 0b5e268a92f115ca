/** Why a direct download was cut short: another host started pulling. */
export class DirectTransferCut extends Error {
  constructor(readonly infoHash: string) {
    super(
      `another host started pulling: the direct download of ${infoHash} is cut, take the swarm`,
    );
  }
}

export interface DirectGateDeps {
  /** Hosts (peers other than the registry's seed) in one blob's swarm now; 0 when unknown. */
  hostsInSwarm(infoHash: string): number;
  /** Hosts downloading (BEP 3 `left` > 0) in any swarm now; 0 when unknown. */
  leechers(): number;
  /** Outcome counters (metrics). */
  onOutcome?(outcome: 'granted' | 'denied' | 'cut'): void;
}

/** A granted direct download: stream the blob until `signal` aborts, then call `end`. */
export interface DirectTransfer {
  signal: AbortSignal;
  end(): void;
}

interface Active {
  infoHash: string;
  address: string;
  controller: AbortController;
}

/**
 * Decides whether a host may download a blob straight from the registry over HTTP
 * (`Docket-Direct: 1` on a blob GET) instead of through the swarm.
 *
 * A lone puller gains most from it: plain HTTP runs at the link's speed for a fraction
 * of BitTorrent's CPU, and the registry sends the blob once either way. When several
 * hosts pull, the swarm is better: the registry's seed sends each piece about once and
 * the hosts trade the rest, where direct downloads would send blobs once per host. So a
 * direct download is granted only while the registry sees one puller: nobody in the
 * blob's swarm (downloading, or seeding: a seeder has the data), nobody downloading
 * anything through the swarm, and no direct download of this blob or from another
 * address. As soon as a second puller shows up (it asks for a direct download, or
 * announces a download to the embedded tracker), the direct downloads of other hosts are
 * cut and it is told to use the swarm. A cut host keeps what it received and resumes
 * from the swarm, where it has pieces to trade. Without an embedded tracker only direct
 * requests count.
 */
export class DirectGate {
  private readonly active = new Set<Active>();

  constructor(private readonly deps: DirectGateDeps) {}

  /** A transfer for `address`, or undefined when another puller is about (take the swarm). */
  admit(infoHash: string, address: string): DirectTransfer | undefined {
    const rivals = [...this.active].filter((a) => a.infoHash === infoHash || a.address !== address);
    if (rivals.length > 0 || this.deps.hostsInSwarm(infoHash) > 0 || this.deps.leechers() > 0) {
      this.cut(rivals);
      this.deps.onOutcome?.('denied');
      return undefined;
    }
    const entry: Active = { infoHash, address, controller: new AbortController() };
    this.active.add(entry);
    this.deps.onOutcome?.('granted');
    return { signal: entry.controller.signal, end: () => this.active.delete(entry) };
  }

  /**
   * A host announced to the tracker: one downloading (`leeching`) cuts every direct
   * download; one seeding the blob cuts only that blob's (the swarm can serve it now).
   */
  announced(infoHash: string, leeching: boolean): void {
    this.cut([...this.active].filter((a) => leeching || a.infoHash === infoHash));
  }

  /** Direct transfers in flight. */
  inFlight(): number {
    return this.active.size;
  }

  private cut(entries: Active[]): void {
    for (const { infoHash, controller } of entries) {
      if (controller.signal.aborted) continue;
      controller.abort(new DirectTransferCut(infoHash));
      this.deps.onOutcome?.('cut');
    }
  }
}
