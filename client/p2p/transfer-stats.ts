import type { Wire } from '@docket/webtorrent';
import { REGISTRY_PEER_ID_PREFIX, peerIdHasPrefix } from '../../lib/torrent.js';
import type { TransferStats } from './peer.js';

export type TransferSource = keyof TransferStats;

/** Counts the bytes of one download by TransferSource. */
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
