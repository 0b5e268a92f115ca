import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { ThrottleGroup } from 'speed-limiter';

/** A process's caps in bytes per second (`--max-download-rate`, `--max-upload-rate`); 0: none. */
export interface RateLimits {
  maxDownloadRate: number;
  maxUploadRate: number;
}

/**
 * The budgets of one process, one per direction, each shared by all of its traffic that
 * way: BitTorrent wires (lib/p2p/torrent-client.ts) and HTTP bodies (`throttled`). A
 * direction without a cap has no budget, and its bytes pass no throttle at all.
 */
export interface Bandwidth {
  download?: RateLimit;
  upload?: RateLimit;
}

export function bandwidthOf(limits: Partial<RateLimits>): Bandwidth {
  const { maxDownloadRate = 0, maxUploadRate = 0 } = limits;
  return {
    ...(maxDownloadRate > 0 ? { download: new RateLimit(maxDownloadRate) } : {}),
    ...(maxUploadRate > 0 ? { upload: new RateLimit(maxUploadRate) } : {}),
  };
}

/** `body` within `limit`, or `body` itself when there is no limit: nothing on its path. */
export function throttled(body: Readable, limit: RateLimit | undefined): Readable {
  return limit ? limit.throttle(body) : body;
}

/** A throttle passes this much of the rate at a time (its slices). */
const SLICES_PER_SECOND = 20;
/** What an idle budget saves up: a transfer after a pause may go this much over. */
const BURST_SECONDS = 0.25;

/**
 * One budget of bytes per second: a speed-limiter ThrottleGroup, i.e. a token bucket that
 * every throttle of it draws from. The bucket holds BURST_SECONDS of the rate, not
 * speed-limiter's whole second, so the average over a transfer of a few seconds stays
 * near the cap; it starts empty.
 */
export class RateLimit {
  private readonly group: ThrottleGroup;

  constructor(readonly rate: number) {
    if (!Number.isSafeInteger(rate) || rate <= 0)
      throw new RangeError(`a rate must be a positive integer, not ${rate}`);
    this.group = budgetGroup(rate);
    this.group.bucket.bucketSize = burstOf(rate);
  }

  /**
   * A ThrottleGroup for one webtorrent client that takes its tokens from this budget. Its
   * own: webtorrent's `destroy` destroys every throttle of its groups, and must not end
   * the wires of another client or the HTTP bodies that share the budget.
   */
  throttleGroup(): ThrottleGroup {
    const group = budgetGroup(this.rate);
    group.bucket = this.group.bucket;
    return group;
  }

  /** `body`, passed on no faster than the budget allows. Errors and destroy go both ways. */
  throttle(body: Readable): Readable {
    return pipeline(body, new BudgetStream(this.group), () => {});
  }
}

function budgetGroup(rate: number): ThrottleGroup {
  return new ThrottleGroup({
    rate,
    chunksize: Math.max(1, Math.floor(rate / SLICES_PER_SECOND)),
    enabled: true,
  });
}

function burstOf(rate: number): number {
  return Math.max(Math.floor(rate / SLICES_PER_SECOND), Math.floor(rate * BURST_SECONDS));
}

/**
 * A node:stream Transform over a speed-limiter group's bucket: speed-limiter's own
 * throttle is a streamx stream, whose end and errors node's `pipeline` does not follow.
 * Passes each chunk on in slices of the group's chunk size, each once its tokens are taken.
 */
class BudgetStream extends Transform {
  constructor(private readonly group: ThrottleGroup) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pass(chunk, 0, done);
  }

  private pass(chunk: Buffer, from: number, done: TransformCallback): void {
    const { bucket } = this.group;
    const slice = this.group.getChunksize();
    let pos = from;
    while (pos < chunk.length) {
      const part = chunk.subarray(pos, pos + slice);
      if (!bucket.tryRemoveTokens(part.length)) {
        bucket.removeTokens(part.length, (err) => {
          if (err) return done(err instanceof Error ? err : new Error(String(err)));
          if (this.destroyed) return;
          this.push(part);
          this.pass(chunk, pos + part.length, done);
        });
        return;
      }
      this.push(part);
      pos += part.length;
    }
    done();
  }
}
