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
 * lacks that the fewest peers hold, so a deploy never waits on a vanished peer.
 *
 * Pure bookkeeping: the wire adapter (origin-wire.ts) feeds it events and sends what it
 * returns. Peers are identified by any string (the wire's peer id).
 */
export interface PieceRationingOptions {
  /** Pieces offered to one peer at once (the pipeline the peer can fill from the origin). */
  perPeer: number;
  /** A peer that reported no new piece for this long while lacking some is starving. */
  starveMs: number;
}

interface Peer {
  /** Pieces the peer holds, from its bitfield and `have` messages. */
  has: Uint8Array;
  held: number;
  /** Pieces offered to this peer and not yet reported back. */
  offered: Set<number>;
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
      offered: new Set(),
      lastProgress: now,
    });
  }

  removePeer(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    for (let i = 0; i < this.numPieces; i++) if (peer.has[i]) this.availability[i]!--;
    for (const i of peer.offered) this.onOffer[i]!--;
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
  }

  /** Pieces offered to `id` and not yet reported back. */
  offeredTo(id: string): ReadonlySet<number> {
    return this.peers.get(id)?.offered ?? new Set();
  }

  /**
   * New pieces to offer `id` now (possibly none); they count as offered from here on.
   * Call after every event of that peer and on a periodic tick.
   */
  nextOffers(id: string, now: number): number[] {
    const peer = this.peers.get(id);
    if (!peer || peer.held === this.numPieces) return [];
    const out: number[] = [];
    while (peer.offered.size < this.opts.perPeer) {
      const index = this.pickUnspread(peer);
      if (index === undefined) break;
      this.offer(peer, index, out);
    }
    if (
      peer.offered.size === 0 &&
      now - peer.lastProgress >= this.opts.starveMs &&
      peer.held < this.numPieces
    ) {
      const index = this.pickRarestLacking(peer);
      if (index !== undefined) {
        this.offer(peer, index, out);
        // One rescue offer per starve period.
        peer.lastProgress = now;
      }
    }
    return out;
  }

  private offer(peer: Peer, index: number, out: number[]): void {
    peer.offered.add(index);
    this.onOffer[index]!++;
    this.sent[index]!++;
    out.push(index);
  }

  /** A piece no peer holds or has on offer, which `peer` lacks; the least sent first. */
  private pickUnspread(peer: Peer): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.numPieces; i++) {
      if (peer.has[i] || this.availability[i] || this.onOffer[i]) continue;
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
