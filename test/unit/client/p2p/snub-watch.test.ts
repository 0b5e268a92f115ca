import { describe, expect, it } from 'vitest';
import { SnubWatch } from '../../../../client/p2p/snub-watch.js';

const start = 1_000_000;

describe('SnubWatch', () => {
  it('flags a connection that owed blocks for snubMs without sending one', () => {
    const w = new SnubWatch<object>(5_000);
    const conn = {};
    expect(w.snubbing(conn, 4, start)).toBe(false);
    expect(w.snubbing(conn, 4, start + 4_999)).toBe(false);
    expect(w.snubbing(conn, 4, start + 5_000)).toBe(true);
  });

  it('restarts the clock at each block', () => {
    const w = new SnubWatch<object>(5_000);
    const conn = {};
    w.snubbing(conn, 4, start);
    w.delivered(conn, start + 4_000);
    expect(w.snubbing(conn, 4, start + 8_999)).toBe(false);
    expect(w.snubbing(conn, 4, start + 9_000)).toBe(true);
  });

  it('does not count the time a connection owed nothing', () => {
    const w = new SnubWatch<object>(5_000);
    const conn = {};
    expect(w.snubbing(conn, 0, start)).toBe(false);
    expect(w.snubbing(conn, 0, start + 60_000)).toBe(false);
    // Requests went out after a long idle time: the clock starts at the last idle check.
    expect(w.snubbing(conn, 3, start + 61_000)).toBe(false);
    expect(w.snubbing(conn, 3, start + 64_999)).toBe(false);
    expect(w.snubbing(conn, 3, start + 65_000)).toBe(true);
  });

  it('follows each connection apart', () => {
    const w = new SnubWatch<object>(1_000);
    const silent = {};
    const busy = {};
    w.snubbing(silent, 2, start);
    w.snubbing(busy, 2, start);
    w.delivered(busy, start + 900);
    expect(w.snubbing(silent, 2, start + 1_000)).toBe(true);
    expect(w.snubbing(busy, 2, start + 1_000)).toBe(false);
  });
});
