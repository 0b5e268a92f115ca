import { describe, expect, it } from 'vitest';
import { DirectGate, DirectTransferCut } from '../../../../registry/services/direct-gate.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function gate(hosts: Record<string, number> = {}) {
  const outcomes: string[] = [];
  const g = new DirectGate({
    hostsInSwarm: (infoHash) => hosts[infoHash] ?? 0,
    onOutcome: (o) => outcomes.push(o),
  });
  return { g, outcomes };
}

describe('DirectGate', () => {
  it('grants a direct download to a host alone on the blob', () => {
    const { g, outcomes } = gate();
    const t = g.admit(A);
    expect(t?.signal.aborted).toBe(false);
    expect(g.inFlight()).toBe(1);
    expect(outcomes).toEqual(['granted']);
  });

  it('denies it while other hosts are in the swarm (downloading or seeding)', () => {
    const { g, outcomes } = gate({ [A]: 1 });
    expect(g.admit(A)).toBeUndefined();
    expect(g.admit(B)).toBeDefined();
    expect(outcomes).toEqual(['denied', 'granted']);
  });

  it('a second host asking cuts the first transfer and is itself sent to the swarm', () => {
    const { g, outcomes } = gate();
    const first = g.admit(A)!;
    expect(g.admit(A)).toBeUndefined();
    expect(first.signal.aborted).toBe(true);
    expect(first.signal.reason).toBeInstanceOf(DirectTransferCut);
    // Until the cut transfer has closed, the blob is still taken.
    expect(g.admit(A)).toBeUndefined();
    first.end();
    expect(g.inFlight()).toBe(0);
    expect(outcomes).toEqual(['granted', 'cut', 'denied', 'denied']);
  });

  it('an announce of another host cuts the transfers of that blob only', () => {
    const { g } = gate();
    const a = g.admit(A)!;
    const b = g.admit(B)!;
    g.contend(A);
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
  });

  it('after a transfer ends, the next lone host is granted again; end is idempotent', () => {
    const { g } = gate();
    const t = g.admit(A)!;
    t.end();
    t.end();
    expect(g.admit(A)).toBeDefined();
    expect(g.inFlight()).toBe(1);
  });
});
