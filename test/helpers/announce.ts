/**
 * One HTTP announce (BEP 3) of a peer on port 5000 (nothing listens there), then its
 * 'stopped' announce so it leaves the swarm; the first raw reply as latin1 text, '' when
 * the tracker did not answer.
 */
export async function announceOnce(announceUrl: string, infoHash: string): Promise<string> {
  const reply = await announceEvent(announceUrl, infoHash, '');
  await announceEvent(announceUrl, infoHash, 'stopped');
  return reply;
}

async function announceEvent(announceUrl: string, infoHash: string, event: string) {
  const params = new URLSearchParams({ peer_id: '-XX0001-abcdefghijkl', port: '5000', left: '0' });
  if (event) params.set('event', event);
  const url = `${announceUrl}?info_hash=${escapeBytes(Buffer.from(infoHash, 'hex'))}&${params}`;
  const res = await fetch(url).catch(() => undefined);
  return res ? Buffer.from(await res.arrayBuffer()).toString('latin1') : '';
}

/** Percent-encodes every byte: an infohash in a tracker URL is binary (BEP 3). */
export function escapeBytes(bytes: Buffer): string {
  return Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}
