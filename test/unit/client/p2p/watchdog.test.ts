import { afterEach, describe, expect, it, vi } from 'vitest';
import { startWatchdog, watchdogIntervalMs } from '../../../../client/p2p/watchdog.js';

describe('watchdogIntervalMs', () => {
  it('is a quarter of stallMs, within 50 ms and 1 s', () => {
    expect(watchdogIntervalMs(10_000)).toBe(1000);
    expect(watchdogIntervalMs(2_000)).toBe(500);
    expect(watchdogIntervalMs(100)).toBe(50);
  });
});

describe('startWatchdog', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks with the time every interval until stopped', () => {
    vi.useFakeTimers({ now: 5_000 });
    const ticks: number[] = [];
    const stop = startWatchdog(2_000, (now) => ticks.push(now));
    vi.advanceTimersByTime(1_499);
    expect(ticks).toEqual([5_500, 6_000]);
    vi.advanceTimersByTime(1);
    expect(ticks).toEqual([5_500, 6_000, 6_500]);
    stop();
    vi.advanceTimersByTime(5_000);
    expect(ticks).toHaveLength(3);
  });
});
