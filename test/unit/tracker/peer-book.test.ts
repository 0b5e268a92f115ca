import { describe, expect, it } from 'vitest';
import { type PeerAnnounce, PeerBook } from '../../../tracker/peer-book.js';

const IH = 'ab'.repeat(20);

function announce(peerId: string, extra: Partial<PeerAnnounce> = {}): PeerAnnounce {
  return {
    infoHash: IH,
    peerId,
    address: '10.0.0.1:6881',
    left: 100,
    downloaded: 0,
    uploaded: 0,
    ...extra,
  };
}

describe('PeerBook', () => {
  it('keeps the last announce of each peer', () => {
    let now = 1000;
    const book = new PeerBook({ staleMs: 10_000, now: () => now });
    book.record(announce('p1', { event: 'started' }));
    now = 2000;
    book.record(announce('p1', { left: 40, downloaded: 60, uploaded: 5 }));
    expect(book.current(IH)).toEqual([
      {
        peerId: 'p1',
        address: '10.0.0.1:6881',
        left: 40,
        downloaded: 60,
        uploaded: 5,
        lastAnnounce: 2000,
        completed: false,
        stopped: false,
      },
    ]);
    expect(book.infoHashes()).toEqual([IH]);
  });

  it('remembers completed; lists stopped and silent peers no more, but keeps their counts', () => {
    let now = 0;
    const book = new PeerBook({ staleMs: 1000, now: () => now });
    book.record(announce('done', { event: 'completed', left: 0, uploaded: 7 }));
    book.record(announce('done', { left: 0, uploaded: 9 }));
    book.record(announce('gone', { uploaded: 3 }));
    book.record(announce('gone', { event: 'stopped', uploaded: 4 }));
    expect(book.current(IH).map((p) => [p.peerId, p.completed])).toEqual([['done', true]]);
    now = 1001;
    expect(book.current(IH)).toEqual([]);
    expect(book.all(IH).map((p) => [p.peerId, p.uploaded])).toEqual([
      ['done', 9],
      ['gone', 4],
    ]);
  });

  it('forgets the least recently heard peers past its bound', () => {
    const book = new PeerBook({ staleMs: 1000, maxPeersPerSwarm: 2 });
    book.record(announce('a'));
    book.record(announce('b'));
    book.record(announce('a'));
    book.record(announce('c'));
    expect(book.all(IH).map((p) => p.peerId)).toEqual(['a', 'c']);
  });

  it('reads unparsable or negative counts as 0', () => {
    const book = new PeerBook({ staleMs: 1000 });
    book.record(announce('x', { left: Number.NaN, downloaded: -5, uploaded: Infinity }));
    expect(book.all(IH)[0]).toMatchObject({ left: 0, downloaded: 0, uploaded: 0 });
  });
});
