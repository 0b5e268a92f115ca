/** How often a download looks for stalled peers and failing pieces: stallMs / 4, within 50 ms..1 s. */
export function watchdogIntervalMs(stallMs: number): number {
  return Math.max(50, Math.min(1000, stallMs / 4));
}

/**
 * Calls `tick` with the current time every `watchdogIntervalMs(stallMs)` until the
 * returned function is called: the clock of a download's stall and piece-failure checks.
 */
export function startWatchdog(stallMs: number, tick: (now: number) => void): () => void {
  const timer = setInterval(() => tick(Date.now()), watchdogIntervalMs(stallMs));
  return () => clearInterval(timer);
}
