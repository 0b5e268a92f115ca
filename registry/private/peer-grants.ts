/** A peer as the tracker saw its announce and the seeder sees its wire. */
export interface PeerKey {
  infoHash: string;
  /** Hex, as bittorrent-tracker and webtorrent give it. */
  peerId: string;
  ip: string;
}

export interface PeerGrantsOptions {
  /** How long one announce lets the peer open wires to the seeder (default 30 min). */
  ttlMs?: number;
  /** Entries kept at most; the oldest go first (default 100,000). */
  maxEntries?: number;
}

/**
 * Peers that announced with a valid passkey, by infohash, peer id and address, with that
 * passkey: in a private registry the seeder talks only to them, and only while the passkey
 * is still valid (private-access.ts checks it again on use). A peer id alone is chosen by
 * the peer; with the address, another host cannot borrow an admitted peer's grant.
 */
export class PeerGrants {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  /** Key → expiry (ms) and passkey; insertion order is refresh order, so the first is the oldest. */
  private readonly grants = new Map<string, { expiry: number; passkey: string }>();

  constructor(opts: PeerGrantsOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 30 * 60_000;
    this.maxEntries = opts.maxEntries ?? 100_000;
  }

  grant(peer: PeerKey, now: number, passkey = ''): void {
    const key = keyOf(peer);
    this.grants.delete(key);
    this.grants.set(key, { expiry: now + this.ttlMs, passkey });
    for (const [oldest, { expiry }] of this.grants) {
      if (this.grants.size <= this.maxEntries && expiry > now) break;
      this.grants.delete(oldest);
    }
  }

  allows(peer: PeerKey, now: number): boolean {
    return this.passkeyOf(peer, now) !== undefined;
  }

  /** The passkey of the peer's unexpired grant; undefined when it has none. */
  passkeyOf(peer: PeerKey, now: number): string | undefined {
    const entry = this.grants.get(keyOf(peer));
    return entry !== undefined && entry.expiry > now ? entry.passkey : undefined;
  }

  get size(): number {
    return this.grants.size;
  }
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are one IPv4 peer (a dual-stack socket reports the first). */
export function normalizeIp(ip: string): string {
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

function keyOf(peer: PeerKey): string {
  return `${peer.infoHash.toLowerCase()} ${peer.peerId.toLowerCase()} ${normalizeIp(peer.ip)}`;
}
