import type { Wire } from '@docket/webtorrent';
import { PieceVerificationError } from '../../lib/errors.js';

export interface PieceWatchOptions {
  digest: string;
  /** Fail once one piece failed this often and every connected source sent a bad piece. */
  maxFailures: number;
  /** Fail when a piece failed and no piece was verified for this long since. */
  windowMs: number;
  /**
   * Called once for a peer that was among the senders of `maxFailures` pieces that failed
   * and of none that verified, while another source is left: the download drops it and
   * refuses it from then on. The web seed is never banned (it is the last resort).
   */
  onBan?(wire: Wire): void;
}

/**
 * Decides when a download can only ever get bad pieces, so it must fail instead of
 * re-requesting them forever: it follows which wires sent the blocks of each piece, and
 * blames the senders when the piece fails. `failed` and `check` return the error to fail
 * the download with, or undefined to go on.
 */
export class PieceWatch {
  /** piece → wires that sent blocks of the attempt in progress. */
  private readonly senders = new Map<number, Set<Wire>>();
  private readonly failures = new Map<number, number>();
  private readonly blamed = new WeakSet<Wire>();
  /** peer → failed pieces it sent blocks of. */
  private readonly peerFailures = new WeakMap<Wire, number>();
  /** Wires that sent blocks of a piece that verified: they are not the bad ones. */
  private readonly trusted = new WeakSet<Wire>();
  private readonly banned = new WeakSet<Wire>();
  private webSeedBlamed = false;
  private expectWebSeed = false;
  private lastProgress = 0;
  private worst: { piece: number; failures: number } | undefined;

  constructor(private readonly opts: PieceWatchOptions) {}

  watchWire(wire: Wire): void {
    wire.on('piece', (index: number) => {
      const set = this.senders.get(index) ?? new Set<Wire>();
      set.add(wire);
      this.senders.set(index, set);
    });
  }

  /** A web seed was added: it is a source to try before giving up. */
  webSeedAdded(): void {
    this.expectWebSeed = true;
  }

  verified(index: number, now = Date.now()): void {
    for (const wire of this.senders.get(index) ?? []) this.trusted.add(wire);
    this.senders.delete(index);
    this.lastProgress = now;
  }

  failed(index: number, wires: Wire[], now = Date.now()): PieceVerificationError | undefined {
    const count = (this.failures.get(index) ?? 0) + 1;
    this.failures.set(index, count);
    if (!this.worst) this.lastProgress = now;
    if (!this.worst || count > this.worst.failures) this.worst = { piece: index, failures: count };
    const senders = [...(this.senders.get(index) ?? [])];
    this.senders.delete(index);
    // The web seed serves the registry's own copy: it is to blame only for a piece that
    // no peer sent blocks of (a bad peer mixing blocks into its pieces must not make the
    // download give up on the one source that is sound).
    const peers = senders.filter((w) => w.type !== 'webSeed');
    for (const wire of peers.length > 0 ? peers : senders) {
      this.blamed.add(wire);
      if (wire.type === 'webSeed') this.webSeedBlamed = true;
    }
    const error = this.giveUp(index, count, wires);
    if (!error) for (const wire of peers) this.suspect(wire, wires);
    return error;
  }

  private giveUp(index: number, count: number, wires: Wire[]): PieceVerificationError | undefined {
    if (count < this.opts.maxFailures) return undefined;
    if (this.expectWebSeed && !this.webSeedBlamed) return undefined;
    if (!wires.every((w) => this.blamed.has(w))) return undefined;
    return new PieceVerificationError(this.opts.digest, index, count);
  }

  /**
   * Bans a peer once it sent blocks of maxFailures failed pieces and of no verified one,
   * unless it is the last source: then giveUp fails the download rather than waiting.
   */
  private suspect(wire: Wire, wires: Wire[]): void {
    const n = (this.peerFailures.get(wire) ?? 0) + 1;
    this.peerFailures.set(wire, n);
    if (n < this.opts.maxFailures || this.trusted.has(wire) || this.banned.has(wire)) return;
    const otherSource =
      wires.some((w) => w !== wire && !this.blamed.has(w)) ||
      (this.expectWebSeed && !this.webSeedBlamed);
    if (!otherSource) return;
    this.banned.add(wire);
    this.opts.onBan?.(wire);
  }

  /** Called periodically: fails once pieces failed and none was verified for windowMs. */
  check(now = Date.now()): PieceVerificationError | undefined {
    if (!this.worst || now - this.lastProgress < this.opts.windowMs) return undefined;
    return new PieceVerificationError(this.opts.digest, this.worst.piece, this.worst.failures);
  }

  /** Whether any piece failed its hash check. */
  get sawFailures(): boolean {
    return this.worst !== undefined;
  }
}
