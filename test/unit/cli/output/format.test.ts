import { describe, expect, it } from 'vitest';
import { humanSize } from '../../../../lib/format.js';
import { binarySize, relativeTime, shortDigest, table } from '../../../../cli/output/format.js';

describe('humanSize', () => {
  it('uses decimal units like docker images', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(1000)).toBe('1kB');
    expect(humanSize(1_980_000)).toBe('1.98MB');
    expect(humanSize(45_600_000)).toBe('45.6MB');
    expect(humanSize(123_400_000_000)).toBe('123GB');
  });
});

describe('relativeTime', () => {
  const now = new Date('2024-06-01T12:00:00Z');
  const ago = (s: number) => relativeTime(new Date(now.getTime() - s * 1000), now);
  it('reads like the docker CLI', () => {
    expect(ago(5)).toBe('5 seconds ago');
    expect(ago(70)).toBe('About a minute ago');
    expect(ago(600)).toBe('10 minutes ago');
    expect(ago(3 * 3600)).toBe('3 hours ago');
    expect(ago(3 * 86400)).toBe('3 days ago');
    expect(ago(400 * 86400)).toBe('13 months ago');
  });
  it('says N/A for an unreadable date', () => {
    expect(relativeTime(new Date('nope'), now)).toBe('N/A');
  });
});

describe('table', () => {
  it('aligns columns with three spaces', () => {
    expect(table(['A', 'BB'], [['xxxx', 'y']])).toBe('A      BB\nxxxx   y\n');
  });
});

it('shortDigest keeps 12 hex digits', () => {
  expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('abababababab');
});

describe('binarySize', () => {
  it('says GiB for what is set in binary units, like the cache limit', () => {
    expect(binarySize(10 * 1024 ** 3)).toBe('10GiB');
    expect(binarySize(1.5 * 1024 ** 3)).toBe('1.5GiB');
    expect(binarySize(512 * 1024 ** 2)).toBe('512MiB');
    expect(binarySize(0)).toBe('0B');
  });
});

describe('table with capped columns', () => {
  it('cuts a cell longer than its column cap with an ellipsis; other columns keep their width', () => {
    const long = `team/${'x'.repeat(60)}`;
    const text = table(
      ['REPOSITORY', 'TAG'],
      [
        [long, 'v1'],
        ['app', 'latest'],
      ],
      [12],
    );
    expect(text).toBe('REPOSITORY     TAG\nteam/xxxxxx…   v1\napp            latest\n');
  });
});
