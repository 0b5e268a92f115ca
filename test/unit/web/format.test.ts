import { describe, expect, it } from 'vitest';
import {
  clockTime,
  formatAgo,
  formatBytes,
  formatDuration,
  formatPercent,
  shortDigest,
} from '../../../web/format.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [1_500_000, '1.50 MB'],
    [999_999, '1000 kB'],
    [4_012_345, '4.01 MB'],
    [25_600_000, '25.6 MB'],
    [123_000_000_000, '123 GB'],
    [5e15, '5000 TB'],
    [-1, '–'],
    [Number.NaN, '–'],
  ])('%d → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [61, '1m 1s'],
    [3600, '1h'],
    [3 * 86400 + 4 * 3600 + 5, '3d 4h'],
    [-3, '–'],
  ])('%d s → %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});

describe('formatAgo', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  it.each([
    ['2026-01-10T11:59:58Z', 'just now'],
    ['2026-01-10T11:59:30Z', '30 seconds ago'],
    ['2026-01-10T11:59:00Z', '1 minute ago'],
    ['2026-01-10T09:00:00Z', '3 hours ago'],
    ['2026-01-08T12:00:00Z', '2 days ago'],
    ['2024-01-01T00:00:00Z', '2 years ago'],
    // A clock ahead of ours is "now", not the future.
    ['2026-01-10T12:05:00Z', 'just now'],
    ['not a date', 'not a date'],
  ])('%s → %s', (iso, text) => {
    expect(formatAgo(iso, now)).toBe(text);
  });

  it('writes a dash for no time', () => {
    expect(formatAgo(null, now)).toBe('–');
  });
});

describe('shortDigest and formatPercent', () => {
  it('keeps the algorithm and 12 hex characters', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab');
    expect(shortDigest('0123456789abcdef')).toBe('0123456789ab');
  });

  it('rounds and clamps fractions', () => {
    expect(formatPercent(0.426)).toBe('43%');
    expect(formatPercent(1.2)).toBe('100%');
    expect(formatPercent(-0.1)).toBe('0%');
    expect(formatPercent(Number.NaN)).toBe('–');
  });
});

describe('clockTime', () => {
  it('reads HH:MM:SS, whole seconds, for the chart axis', () => {
    const t = new Date(2024, 5, 1, 9, 5, 46, 500).getTime() / 1000;
    expect(clockTime(Math.floor(t))).toBe('09:05:46');
    expect(clockTime(t - 0.5)).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(clockTime(Number.NaN)).toBe('–');
  });
});
