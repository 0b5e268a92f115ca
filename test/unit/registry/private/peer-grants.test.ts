import { describe, expect, it } from 'vitest';
import { normalizeIp, PeerGrants } from '../../../../registry/private/peer-grants.js';

const peer = { infoHash: 'aa'.repeat(20), peerId: 'bb'.repeat(20), ip: '10.0.0.5' };

describe('PeerGrants', () => {
  it('admits the peer that announced, from its address, until the grant expires', () => {
    const grants = new PeerGrants({ ttlMs: 1000 });
    expect(grants.allows(peer, 0)).toBe(false);
    grants.grant(peer, 0);
    expect(grants.allows(peer, 999)).toBe(true);
    expect(grants.allows(peer, 1000)).toBe(false);
    grants.grant(peer, 900);
    expect(grants.allows(peer, 1500)).toBe(true);
  });

  it('does not admit the same peer id from another address or swarm', () => {
    const grants = new PeerGrants();
    grants.grant(peer, 0);
    expect(grants.allows({ ...peer, ip: '10.0.0.6' }, 1)).toBe(false);
    expect(grants.allows({ ...peer, infoHash: 'cc'.repeat(20) }, 1)).toBe(false);
    expect(grants.allows({ ...peer, peerId: 'dd'.repeat(20) }, 1)).toBe(false);
  });

  it('takes an IPv4-mapped IPv6 address as the IPv4 one', () => {
    const grants = new PeerGrants();
    grants.grant(peer, 0);
    expect(grants.allows({ ...peer, ip: '::ffff:10.0.0.5' }, 1)).toBe(true);
    expect(normalizeIp('::FFFF:10.0.0.5')).toBe('10.0.0.5');
    expect(normalizeIp('::ffff:a00:5')).toBe('::ffff:a00:5');
  });

  it('keeps at most maxEntries, dropping the oldest, and drops expired ones', () => {
    const grants = new PeerGrants({ ttlMs: 100, maxEntries: 2 });
    const nth = (n: number) => ({ ...peer, peerId: String(n).padStart(40, '0') });
    grants.grant(nth(1), 0);
    grants.grant(nth(2), 10);
    grants.grant(nth(3), 20);
    expect(grants.size).toBe(2);
    expect(grants.allows(nth(1), 30)).toBe(false);
    expect(grants.allows(nth(3), 30)).toBe(true);
    grants.grant(nth(4), 115);
    expect(grants.size).toBe(2);
    grants.grant(nth(5), 220);
    expect(grants.size).toBe(1);
  });
});
