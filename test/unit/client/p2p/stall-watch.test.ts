import { describe, expect, it } from 'vitest';
import { StallWatch } from '../../../../client/p2p/stall-watch.js';

const start = 1_000_000;
const watch = () => new StallWatch(10_000, start);

describe('StallWatch', () => {
  it('never gives up before the last source was tried', () => {
    expect(watch().idleMs(start + 1e9)).toBeUndefined();
  });

  it('gives up stallMs after the last resort when nothing arrives', () => {
    const w = watch();
    w.data(start + 2_000);
    w.lastResortTried(start + 12_000);
    expect(w.idleMs(start + 21_999)).toBeUndefined();
    expect(w.idleMs(start + 22_000)).toBe(20_000);
  });

  it('counts from the last data when the web seed sends some', () => {
    const w = watch();
    w.lastResortTried(start + 10_000);
    w.data(start + 15_000);
    expect(w.idleMs(start + 24_999)).toBeUndefined();
    expect(w.idleMs(start + 25_000)).toBe(10_000);
  });

  it('keeps the first last-resort time', () => {
    const w = watch();
    w.lastResortTried(start + 10_000);
    w.lastResortTried(start + 19_000);
    expect(w.idleMs(start + 20_000)).toBe(20_000);
  });
});
