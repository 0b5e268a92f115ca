import type { AnnouncingPeer } from '../tracker/embedded.js';

export type AnnounceListener = (infoHash: string, peer: AnnouncingPeer) => void;

/**
 * Who hears of an announce the embedded tracker accepted, in the order they were added.
 * The tracker is built with `emit` as its `onAnnounce`, so parts that query the tracker
 * (the direct-download gate) can be built after it and still hear its announces.
 */
export class AnnounceListeners {
  private readonly listeners: AnnounceListener[] = [];

  add(listener: AnnounceListener): void {
    this.listeners.push(listener);
  }

  emit(infoHash: string, peer: AnnouncingPeer): void {
    for (const listener of this.listeners) listener(infoHash, peer);
  }
}
