import { describe, expect, it } from 'vitest';
import { PieceRationing } from '../../../../registry/p2p/piece-rationing.js';

/** Plays a peer that fetches every offered piece at once and reports it back. */
function drain(r: PieceRationing, id: string, now: number): number[] {
  const got: number[] = [];
  for (let offers = r.nextOffers(id, now); offers.length > 0; offers = r.nextOffers(id, now)) {
    for (const i of offers) {
      r.peerHas(id, i, now);
      got.push(i);
    }
  }
  return got;
}

describe('PieceRationing', () => {
  it('gives a lone peer every piece, at most perPeer on offer at once', () => {
    const r = new PieceRationing(10, { perPeer: 3, starveMs: 1000 });
    r.addPeer('a', 0);
    const first = r.nextOffers('a', 0);
    expect(first).toHaveLength(3);
    expect(r.nextOffers('a', 0)).toEqual([]);
    for (const i of first) r.peerHas('a', i, 1);
    expect(drain(r, 'a', 1).length + first.length).toBe(10);
    expect(r.nextOffers('a', 5000)).toEqual([]);
  });

  it('sends the first copy of every piece to a different peer and leaves the rest to the swarm', () => {
    const r = new PieceRationing(8, { perPeer: 2, starveMs: 1000 });
    for (const id of ['a', 'b', 'c', 'd']) r.addPeer(id, 0);
    const offered = ['a', 'b', 'c', 'd'].map((id) => r.nextOffers(id, 0));
    // 4 peers x 2 = all 8 pieces, none twice.
    expect(new Set(offered.flat()).size).toBe(8);
    offered.forEach((pieces, p) => {
      for (const i of pieces) r.peerHas(['a', 'b', 'c', 'd'][p]!, i, 10);
    });
    // Every piece is in the swarm now: nothing more from the origin while peers progress.
    for (const id of ['a', 'b', 'c', 'd']) expect(r.nextOffers(id, 20)).toEqual([]);
  });

  it('does not offer a piece another peer holds or has on offer', () => {
    const r = new PieceRationing(3, { perPeer: 5, starveMs: 1000 });
    r.addPeer('a', 0);
    r.addPeer('b', 0);
    r.peerHas('b', 0, 0);
    const toA = r.nextOffers('a', 0);
    expect(toA.sort()).toEqual([1, 2]);
    expect(r.nextOffers('b', 0)).toEqual([]);
  });

  it('rescues a starving peer with the rarest piece it lacks, once per period', () => {
    const r = new PieceRationing(4, { perPeer: 2, starveMs: 1000 });
    r.addPeer('a', 0);
    r.addPeer('b', 0);
    for (const i of [0, 1, 2, 3]) r.peerHas('a', i, 0);
    r.peerHas('b', 3, 0);
    expect(r.nextOffers('b', 500)).toEqual([]);
    const rescue = r.nextOffers('b', 1000);
    expect(rescue).toHaveLength(1);
    expect([0, 1, 2]).toContain(rescue[0]);
    expect(r.nextOffers('b', 1500)).toEqual([]);
  });

  it('frees what a peer that left held or had on offer', () => {
    const r = new PieceRationing(2, { perPeer: 2, starveMs: 1000 });
    r.addPeer('a', 0);
    r.addPeer('b', 0);
    expect(r.nextOffers('a', 0)).toHaveLength(2);
    expect(r.nextOffers('b', 0)).toEqual([]);
    r.removePeer('a');
    expect(r.nextOffers('b', 0).sort()).toEqual([0, 1]);
  });

  it('counts a piece a peer reports only once', () => {
    const r = new PieceRationing(2, { perPeer: 1, starveMs: 1000 });
    r.addPeer('a', 0);
    r.addPeer('b', 0);
    r.peerHas('a', 0, 0);
    r.peerHas('a', 0, 0);
    r.removePeer('a');
    expect(r.nextOffers('b', 0)).toEqual([0]);
  });

  it('rejects nonsense sizes', () => {
    expect(() => new PieceRationing(-1, { perPeer: 1, starveMs: 1 })).toThrow(RangeError);
    expect(() => new PieceRationing(1, { perPeer: 0, starveMs: 1 })).toThrow(RangeError);
  });
});

describe('PieceRationing offers that are not fetched', () => {
  it('withdraws them after offerTimeoutMs so other peers can get the pieces', () => {
    const r = new PieceRationing(2, { perPeer: 2, starveMs: 10_000, offerTimeoutMs: 1000 });
    r.addPeer('stuck', 0);
    r.addPeer('b', 0);
    expect(r.nextOffers('stuck', 0)).toHaveLength(2);
    expect(r.nextOffers('b', 500)).toEqual([]);
    expect(r.nextOffers('b', 1000).sort()).toEqual([0, 1]);
    expect(r.offeredTo('stuck')).toEqual([]);
    // Not handed straight back to the peer that let them expire.
    expect(r.nextOffers('stuck', 1000)).toEqual([]);
  });
});
