import { describe, expect, it } from 'vitest';
import type { BlobSwarm, SwarmPeer, SwarmReport } from '../../../lib/api/bodies.js';
import { appendSample, emptySeries, swarmsByImage } from '../../../web/series.js';

function report(at: string, registrySeedBytes: number): SwarmReport {
  return {
    at,
    blobs: [],
    totals: { registrySeedBytes, webSeedBytes: 1, peerBytes: 2, centralBytes: 3, savedBytes: 0 },
  };
}

function peer(peerId: string, registry = false): SwarmPeer {
  return {
    peerId,
    address: '127.0.0.1:1',
    left: 0,
    downloaded: 0,
    uploaded: 0,
    progress: 1,
    registry,
    lastAnnounce: '2026-01-01T00:00:00Z',
  };
}

function blob(digest: string, seeders: number, leechers: number, peers: SwarmPeer[]): BlobSwarm {
  return {
    digest,
    infoHash: digest.slice(-40),
    size: 10,
    seeders,
    leechers,
    completed: 0,
    peers,
    registrySeedBytes: 0,
    webSeedBytes: 0,
    peerBytes: 0,
  };
}

describe('appendSample', () => {
  it('appends each total in seconds order and keeps the last `max`', () => {
    let s = emptySeries();
    s = appendSample(s, report('2026-01-01T00:00:00Z', 10), 2);
    s = appendSample(s, report('2026-01-01T00:00:01Z', 20), 2);
    s = appendSample(s, report('2026-01-01T00:00:02Z', 30), 2);
    const t0 = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(s.time).toEqual([t0 + 1, t0 + 2]);
    expect(s.registrySeed).toEqual([20, 30]);
    expect(s.webSeed).toEqual([1, 1]);
    expect(s.peers).toEqual([2, 2]);
    expect(s.central).toEqual([3, 3]);
  });
});

describe('swarmsByImage', () => {
  it('sums an image over its blobs: fewest seeders, most leechers, distinct hosts', () => {
    const a = blob('sha256:a', 3, 0, [peer('h1'), peer('h2'), peer('dkr', true)]);
    const b = blob('sha256:b', 1, 2, [peer('h1'), peer('h3')]);
    const other = blob('sha256:c', 5, 5, []);
    const images = new Map([
      ['sha256:a', ['app:v1']],
      ['sha256:b', ['app:v1', 'tools:v1']],
    ]);
    expect(swarmsByImage([a, b, other], images)).toEqual([
      { ref: 'app:v1', blobs: 2, seeders: 1, leechers: 2, peers: 3 },
      { ref: 'tools:v1', blobs: 1, seeders: 1, leechers: 2, peers: 2 },
    ]);
  });
});
