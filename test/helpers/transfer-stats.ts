import type { TransferStats } from '../../client/p2p/peer.js';

/**
 * Asserts that all of a download came from one source. Counts are bytes received, so a
 * block fetched twice (endgame, two wires to one peer) may push the count past the size.
 */
export function expectOnlyFrom(
  stats: TransferStats,
  source: keyof TransferStats,
  size: number,
): void {
  for (const key of ['fromPeers', 'fromRegistrySeed', 'fromWebSeed'] as const) {
    if (key === source) {
      if (stats[key] < size)
        throw new Error(`${key}: ${stats[key]} < ${size} (${JSON.stringify(stats)})`);
    } else if (stats[key] !== 0) {
      throw new Error(`expected nothing ${key}, got ${JSON.stringify(stats)}`);
    }
  }
}
