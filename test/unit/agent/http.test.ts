import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../agent/http.js';
import { preheatMatcher } from '../../../agent/preheat-watch.js';
import { readServerSentEvents } from '../../../agent/sse.js';
import { AgentRangeError } from '../../../agent/wire-errors.js';

describe('parseRange', () => {
  it.each([
    ['', undefined],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=90-500', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['bytes=0-1,5-6', undefined],
  ])('%j of 100 bytes → %j', (header, range) => {
    expect(parseRange(header, 100)).toEqual(range);
  });

  it.each(['bytes=100-', 'bytes=5-2', 'bytes=-0', 'bytes=-', 'items=0-1'])(
    '%j is not satisfiable',
    (header) => {
      expect(parseRange(header, 100)).toBeInstanceOf(AgentRangeError);
    },
  );
});

describe('preheatMatcher', () => {
  it('matches repositories, or repository:tag when the pattern has a colon', () => {
    const match = preheatMatcher(['team/*', 'ops/app:v?', 'exact']);
    expect(match('team/app', 'v1')).toBe(true);
    expect(match('team/a/b', 'x')).toBe(true);
    expect(match('teams/app', 'v1')).toBe(false);
    expect(match('ops/app', 'v2')).toBe(true);
    expect(match('ops/app', 'v10')).toBe(false);
    expect(match('ops/app')).toBe(false);
    expect(match('exact', 'latest')).toBe(true);
    expect(match('exact.ly', 'latest')).toBe(false);
  });
});

describe('readServerSentEvents', () => {
  it('parses events split across chunks, skipping comments', async () => {
    const chunks = [': hi\n\nid: 1\nevent: pu', 'sh\ndata: {"a":1}\n\r\n', 'data: x\ndata: y\n\n'];
    const events = [];
    for await (const e of readServerSentEvents(Readable.from(chunks))) events.push(e);
    expect(events).toEqual([
      { id: '1', event: 'push', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });
});
