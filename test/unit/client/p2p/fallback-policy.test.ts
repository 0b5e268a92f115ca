import { describe, expect, it } from 'vitest';
import { WebSeedFallback } from '../../../../client/p2p/fallback-policy.js';

const start = 1_000_000;
const policy = () => new WebSeedFallback({ stallMs: 10_000, startedAt: start });

describe('WebSeedFallback', () => {
  it('waits stallMs from the start when no peer sends anything', () => {
    const p = policy();
    expect(p.tick(start + 9_999)).toBeUndefined();
    expect(p.tick(start + 10_000)).toBe('peers stalled');
  });

  it('counts the stall from the last peer data', () => {
    const p = policy();
    p.peerData(start + 8_000);
    expect(p.tick(start + 17_999)).toBeUndefined();
    expect(p.tick(start + 18_000)).toBe('peers stalled');
  });

  it('takes a tracker warning before any announce and any peer data as an unreachable tracker', () => {
    expect(policy().trackerWarning(0)).toBe('tracker unreachable');
  });

  it('ignores tracker warnings once an announce succeeded or peers sent data', () => {
    const announced = policy();
    announced.trackerAnnounced();
    expect(announced.trackerWarning(0)).toBeUndefined();
    expect(policy().trackerWarning(1)).toBeUndefined();
  });

  it('falls back at once when a piece fails its hash check', () => {
    expect(policy().pieceFailed()).toBe('a piece failed verification');
  });

  it('decides once', () => {
    const p = policy();
    expect(p.pieceFailed()).toBe('a piece failed verification');
    expect(p.pieceFailed()).toBeUndefined();
    expect(p.trackerWarning(0)).toBeUndefined();
    expect(p.tick(start + 60_000)).toBeUndefined();
  });
});
