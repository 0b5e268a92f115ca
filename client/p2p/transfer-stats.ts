import type { Wire } from 'webtorrent';
import { REGISTRY_PEER_ID_PREFIX, peerIdHasPrefix } from '../../lib/torrent.js';

/**
 * Bytes received for one download, by where they came from. Raw bytes off each wire: a
 * block received twice (endgame, two connections to one peer) counts twice, so the sum
 * can exceed the blob size slightly.
 */
export interface TransferStats {
  /** From other peers (hosts that pulled before: peer id not -DKR). */
  fromPeers: number;
  /** From the registry's seed (peer id prefix -DKR). */
  fromRegistrySeed: number;
  /** From the registry's blob URL as a BEP 19 web seed. */
  fromWebSeed: number;
}

export type TransferSource = keyof TransferStats;

export class TransferTally {
  private readonly counts: TransferStats = { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 };

  /** Where a wire's bytes come from: webtorrent marks web seeds by wire type. */
  classify(wire: Pick<Wire, 'type' | 'peerId'>): TransferSource {
    if (wire.type === 'webSeed') return 'fromWebSeed';
    if (peerIdHasPrefix(wire.peerId, REGISTRY_PEER_ID_PREFIX)) return 'fromRegistrySeed';
    return 'fromPeers';
  }

  add(source: TransferSource, bytes: number): void {
    this.counts[source] += bytes;
  }

  /** Bytes from BitTorrent peers (the registry seed included), not the web seed. */
  peerBytes(): number {
    return this.counts.fromPeers + this.counts.fromRegistrySeed;
  }

  stats(): TransferStats {
    return { ...this.counts };
  }
}
