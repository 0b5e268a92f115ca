/**
 * Which pieces the registry's seed advertises to each peer: the origin rations its pieces
 * so each leaves it about once while the peers trade the rest among themselves.
 *
 * The idea is BEP 16's super-seeding, changed so that a lone peer still gets everything:
 * the seed hides its bitfield and offers (BEP 3 `have`) each peer at most `perPeer`
 * pieces at a time. A new offer goes out when the peer reports an offered piece (its
 * `have`), and it is a piece that no connected peer holds and none has on offer, so the
 * first copy of every piece goes to a different peer. Pieces some peer already holds are
 * left to the swarm. A peer that reported no new piece for `starveMs` although it lacks
 * some is starving (its sources are slow or gone): it gets one offer of the piece it
 * lacks that the fewest peers hold, so a deploy never waits on a vanished peer. An offer
 * not fetched within `offerTimeoutMs` is withdrawn and goes to another peer.
 *
 * Pure bookkeeping: the wire adapter (origin-wire.ts) feeds it events and sends what it
 * returns. Peers are identified by any string (the wire's peer id).
 */
export interface PieceRationingOptions {
  /** Pieces offered to one peer at once (the pipeline the peer can fill from the origin). */
  perPeer: number;
  /** A peer that reported no new piece for this long while lacking some is starving. */
  starveMs: number;
  /**
   * An offer the peer has not fetched within this long is withdrawn, so a slow or stuck
   * peer cannot hold pieces back from the others (default: starveMs).
   */
  offerTimeoutMs?: number;
}

interface Peer {
  /** Pieces the peer holds, from its bitfield and `have` messages. */
  has: Uint8Array;
  held: number;
  /** Pieces offered to this peer and not yet reported back, with when they were offered. */
  offered: Map<number, number>;
  /** Offers withdrawn from this peer: offered to others first from then on. */
  withdrawn: Set<number>;
  /** When the peer last reported a piece it did not hold (or joined). */
  lastProgress: number;
}

export class PieceRationing {
  private readonly peers = new Map<string, Peer>();
  /** Connected peers holding each piece. */
  private readonly availability: Uint16Array;
  /** Peers each piece is on offer to. */
  private readonly onOffer: Uint16Array;
  /** Times each piece was offered (to break ties towards pieces sent least). */
  private readonly sent: Uint32Array;

  constructor(
    readonly numPieces: number,
    private readonly opts: PieceRationingOptions,
  ) {
    if (!Number.isInteger(numPieces) || numPieces < 0)
      throw new RangeError(`invalid piece count ${numPieces}`);
    if (!Number.isInteger(opts.perPeer) || opts.perPeer < 1)
      throw new RangeError(`perPeer must be a positive integer, got ${opts.perPeer}`);
    this.availability = new Uint16Array(numPieces);
    this.onOffer = new Uint16Array(numPieces);
    this.sent = new Uint32Array(numPieces);
  }

  addPeer(id: string, now: number): void {
    if (this.peers.has(id)) return;
    this.peers.set(id, {
      has: new Uint8Array(this.numPieces),
      held: 0,
      offered: new Map(),
      withdrawn: new Set(),
      lastProgress: now,
    });
  }

  removePeer(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    for (let i = 0; i < this.numPieces; i++) if (peer.has[i]) this.availability[i]!--;
    for (const i of peer.offered.keys()) this.onOffer[i]!--;
    this.peers.delete(id);
  }

  /** The peer holds `index` (from its bitfield or a `have`). */
  peerHas(id: string, index: number, now: number): void {
    const peer = this.peers.get(id);
    if (!peer || index < 0 || index >= this.numPieces || peer.has[index]) return;
    peer.has[index] = 1;
    peer.held++;
    peer.lastProgress = now;
    this.availability[index]!++;
    if (peer.offered.delete(index)) this.onOffer[index]!--;
    peer.withdrawn.delete(index);
  }

  /** Pieces offered to `id` and not yet reported back. */
  offeredTo(id: string): number[] {
    return [...(this.peers.get(id)?.offered.keys() ?? [])];
  }

  /**
   * New pieces to offer `id` now (possibly none); they count as offered from here on.
   * Call after every event of that peer and on a periodic tick.
   */
  nextOffers(id: string, now: number): number[] {
    const peer = this.peers.get(id);
    this.expireOffers(now);
    if (!peer || peer.held === this.numPieces) return [];
    const out: number[] = [];
    while (peer.offered.size < this.opts.perPeer) {
      const index = this.pickUnspread(peer);
      if (index === undefined) break;
      this.offer(peer, index, now, out);
    }
    if (
      peer.offered.size === 0 &&
      now - peer.lastProgress >= this.opts.starveMs &&
      peer.held < this.numPieces
    ) {
      const index = this.pickRarestLacking(peer);
      if (index !== undefined) {
        this.offer(peer, index, now, out);
        // One rescue offer per starve period.
        peer.lastProgress = now;
      }
    }
    return out;
  }

  private offer(peer: Peer, index: number, now: number, out: number[]): void {
    peer.offered.set(index, now);
    this.onOffer[index]!++;
    this.sent[index]!++;
    out.push(index);
  }

  /**
   * Withdraws every offer older than offerTimeoutMs: the peer may still fetch what it was
   * told of, but the piece becomes free to offer to other peers.
   */
  private expireOffers(now: number): void {
    const timeout = this.opts.offerTimeoutMs ?? this.opts.starveMs;
    for (const peer of this.peers.values()) {
      for (const [index, at] of peer.offered) {
        if (now - at < timeout) continue;
        peer.offered.delete(index);
        peer.withdrawn.add(index);
        this.onOffer[index]!--;
      }
    }
  }

  /** A piece no peer holds or has on offer, which `peer` lacks; the least sent first. */
  private pickUnspread(peer: Peer): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.numPieces; i++) {
      if (peer.has[i] || this.availability[i] || this.onOffer[i] || peer.withdrawn.has(i)) continue;
      if (best === undefined || this.sent[i]! < this.sent[best]!) best = i;
    }
    return best;
  }

  /** The piece `peer` lacks and has not on offer that the fewest peers hold. */
  private pickRarestLacking(peer: Peer): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.numPieces; i++) {
      if (peer.has[i] || peer.offered.has(i)) continue;
      const score = this.availability[i]! + this.onOffer[i]!;
      if (best === undefined || score < this.availability[best]! + this.onOffer[best]!) best = i;
    }
    return best;
  }
}
