import { describe, expect, it } from 'vitest';
import { SweepGate } from '../../../../registry/services/sweep-gate.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('SweepGate', () => {
  it('runs writes together and a sweep alone, after the writes in flight', async () => {
    const gate = new SweepGate();
    const events: string[] = [];
    const w1 = deferred();
    const w2 = deferred();
    const a = gate.shared(async () => {
      events.push('w1 start');
      await w1.promise;
      events.push('w1 end');
    });
    const b = gate.shared(async () => {
      events.push('w2 start');
      await w2.promise;
      events.push('w2 end');
    });
    const sweep = gate.exclusive(async () => {
      events.push('sweep');
    });
    // A write arriving while a sweep waits goes after the sweep.
    const c = gate.shared(async () => {
      events.push('w3');
    });
    await Promise.resolve();
    expect(events).toEqual(['w1 start', 'w2 start']);
    w1.resolve();
    w2.resolve();
    await Promise.all([a, b, sweep, c]);
    expect(events).toEqual(['w1 start', 'w2 start', 'w1 end', 'w2 end', 'sweep', 'w3']);
  });

  it('runs sweeps one at a time and releases on failure', async () => {
    const gate = new SweepGate();
    const events: string[] = [];
    const first = gate.exclusive(async () => {
      events.push('s1');
      throw new Error('boom');
    });
    const second = gate.exclusive(async () => {
      events.push('s2');
    });
    await expect(first).rejects.toThrow('boom');
    await second;
    await gate.shared(async () => {
      events.push('w');
    });
    expect(events).toEqual(['s1', 's2', 'w']);
  });
});
