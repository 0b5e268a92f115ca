/**
 * One HTTP announce (BEP 3) of a peer on port 5000 (nothing listens there), then its
 * 'stopped' announce so it leaves the swarm; the first raw reply as latin1 text, '' when
 * the tracker did not answer.
 */
export async function announceOnce(announceUrl: string, infoHash: string): Promise<string> {
  const reply = await announce(announceUrl, infoHash);
  await announce(announceUrl, infoHash, { event: 'stopped' });
  return reply?.toString('latin1') ?? '';
}

export interface AnnounceOptions {
  /** 20 characters (default `-XX0001-abcdefghijkl`). */
  peerId?: string;
  port?: number;
  event?: string;
}

/**
 * One HTTP announce; the raw reply, undefined when the tracker did not answer. The
 * announce URL may carry a query of its own (a passkey): ours is appended after it.
 */
export async function announce(
  announceUrl: string,
  infoHash: string,
  opts: AnnounceOptions = {},
): Promise<Buffer | undefined> {
  const params = new URLSearchParams({
    peer_id: opts.peerId ?? '-XX0001-abcdefghijkl',
    port: String(opts.port ?? 5000),
    left: '0',
  });
  if (opts.event) params.set('event', opts.event);
  const sep = announceUrl.includes('?') ? '&' : '?';
  const url = `${announceUrl}${sep}info_hash=${escapeBytes(Buffer.from(infoHash, 'hex'))}&${params}`;
  const res = await fetch(url).catch(() => undefined);
  return res ? Buffer.from(await res.arrayBuffer()) : undefined;
}

/** Percent-encodes every byte: an infohash in a tracker URL is binary (BEP 3). */
export function escapeBytes(bytes: Buffer): string {
  return Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}
