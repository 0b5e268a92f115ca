import { describe, expect, it } from 'vitest';
import { DirectGate, DirectTransferCut } from '../../../../registry/services/direct-gate.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const HOST_1 = '10.0.0.1';
const HOST_2 = '10.0.0.2';

function gate(swarm: { hosts?: Record<string, number>; leechers?: number } = {}) {
  const outcomes: string[] = [];
  const g = new DirectGate({
    hostsInSwarm: (infoHash) => swarm.hosts?.[infoHash] ?? 0,
    leechers: () => swarm.leechers ?? 0,
    onOutcome: (o) => outcomes.push(o),
  });
  return { g, outcomes };
}

describe('DirectGate', () => {
  it('grants a lone host its blobs, several at once', () => {
    const { g, outcomes } = gate();
    const a = g.admit(A, HOST_1);
    const b = g.admit(B, HOST_1);
    expect(a?.signal.aborted).toBe(false);
    expect(b?.signal.aborted).toBe(false);
    expect(g.inFlight()).toBe(2);
    expect(outcomes).toEqual(['granted', 'granted']);
  });

  it('denies while hosts are in the blob’s swarm (a seeder has the data)', () => {
    const { g } = gate({ hosts: { [A]: 1 } });
    expect(g.admit(A, HOST_1)).toBeUndefined();
    expect(g.admit(B, HOST_1)).toBeDefined();
  });

  it('denies every blob while any host downloads through the swarm', () => {
    const { g } = gate({ leechers: 1 });
    expect(g.admit(A, HOST_1)).toBeUndefined();
    expect(g.admit(B, HOST_1)).toBeUndefined();
  });

  it('a second host asking for any blob cuts the first host’s transfers and is sent to the swarm', () => {
    const { g, outcomes } = gate();
    const a = g.admit(A, HOST_1)!;
    const b = g.admit(B, HOST_1)!;
    expect(g.admit(B, HOST_2)).toBeUndefined();
    expect(a.signal.reason).toBeInstanceOf(DirectTransferCut);
    expect(b.signal.aborted).toBe(true);
    // Until the cut transfers have closed, nobody is alone.
    expect(g.admit(A, HOST_2)).toBeUndefined();
    a.end();
    b.end();
    expect(g.inFlight()).toBe(0);
    expect(outcomes).toEqual(['granted', 'granted', 'cut', 'cut', 'denied', 'denied']);
  });

  it('a second ask for the same blob cuts it, even from the same address (two pullers behind one)', () => {
    const { g } = gate();
    const a = g.admit(A, HOST_1)!;
    expect(g.admit(A, HOST_1)).toBeUndefined();
    expect(a.signal.aborted).toBe(true);
  });

  it('an announce of a downloading host cuts every transfer; of a seeder, that blob’s only', () => {
    const { g } = gate();
    const a = g.admit(A, HOST_1)!;
    const b = g.admit(B, HOST_1)!;
    g.announced(A, false);
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    g.announced(A, true);
    expect(b.signal.aborted).toBe(true);
  });

  it('after a transfer ends, the next lone host is granted again; end is idempotent', () => {
    const { g } = gate();
    const t = g.admit(A, HOST_1)!;
    t.end();
    t.end();
    expect(g.admit(A, HOST_2)).toBeDefined();
    expect(g.inFlight()).toBe(1);
  });
});
