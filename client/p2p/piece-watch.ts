import type { Wire } from 'webtorrent';
import { PieceVerificationError } from '../../lib/errors.js';

export interface PieceWatchOptions {
  digest: string;
  /** Fail once one piece failed this often and every connected source sent a bad piece. */
  maxFailures: number;
  /** Fail when a piece failed and no piece was verified for this long since. */
  windowMs: number;
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
    this.senders.delete(index);
    this.lastProgress = now;
  }

  failed(index: number, wires: Wire[], now = Date.now()): PieceVerificationError | undefined {
    const count = (this.failures.get(index) ?? 0) + 1;
    this.failures.set(index, count);
    if (!this.worst) this.lastProgress = now;
    if (!this.worst || count > this.worst.failures) this.worst = { piece: index, failures: count };
    for (const wire of this.senders.get(index) ?? []) {
      this.blamed.add(wire);
      if (wire.type === 'webSeed') this.webSeedBlamed = true;
    }
    this.senders.delete(index);
    if (count < this.opts.maxFailures) return undefined;
    if (this.expectWebSeed && !this.webSeedBlamed) return undefined;
    if (!wires.every((w) => this.blamed.has(w))) return undefined;
    return new PieceVerificationError(this.opts.digest, index, count);
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
