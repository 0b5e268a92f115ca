/**
 * Decides when a download can get no more data: the last source was tried (the registry's
 * web seed added, or none to add) and still nothing arrived from any source for `stallMs`.
 * Without it a download whose registry died, and whose pieces no peer holds, would wait
 * forever. Pure: time is passed in, nothing is done.
 */
export class StallWatch {
  private lastData: number;
  private lastResortAt: number | undefined;

  constructor(
    private readonly stallMs: number,
    startedAt: number,
  ) {
    this.lastData = startedAt;
  }

  /** Bytes arrived from any source, the web seed included. */
  data(now: number): void {
    this.lastData = now;
  }

  /** The web seed was added, or the download has none: no source is left to add. */
  lastResortTried(now: number): void {
    this.lastResortAt ??= now;
  }

  /**
   * How long no data arrived, once that lasted `stallMs` past the last resort;
   * undefined while the download may still get data.
   */
  idleMs(now: number): number | undefined {
    if (this.lastResortAt === undefined) return undefined;
    const since = Math.max(this.lastData, this.lastResortAt);
    return now - since >= this.stallMs ? now - this.lastData : undefined;
  }
}
