/**
 * Finds snubbing peers: a connection with block requests outstanding that sent no block
 * for `snubMs`. webtorrent keeps such requests (and the blocks they reserve) for 30 s
 * before it gives up on the connection; no other source, the web seed included, can fetch
 * those blocks meanwhile, so a download whose last blocks sit with a silent peer got no
 * data for long enough to be declared stalled. The download drops snubbing connections
 * instead, which frees their blocks at once.
 *
 * A connection's clock restarts whenever it delivers a block or has nothing outstanding:
 * only time spent waiting on it counts. Pure: time is passed in, nothing is done.
 */
export class SnubWatch<K extends object> {
  /** Since when each connection has been owing blocks without sending one. */
  private readonly waitingSince = new WeakMap<K, number>();

  constructor(private readonly snubMs: number) {}

  /** The connection sent a block. */
  delivered(conn: K, now: number): void {
    this.waitingSince.set(conn, now);
  }

  /**
   * Whether the connection, with `pending` requests outstanding now, has been snubbing for
   * snubMs. Call on every periodic check.
   */
  snubbing(conn: K, pending: number, now: number): boolean {
    const since = this.waitingSince.get(conn);
    if (pending === 0 || since === undefined) {
      this.waitingSince.set(conn, now);
      return false;
    }
    return now - since >= this.snubMs;
  }
}
