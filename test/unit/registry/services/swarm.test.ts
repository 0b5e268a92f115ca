import { describe, expect, it } from 'vitest';
import { REGISTRY_PEER_ID_PREFIX } from '../../../../lib/torrent.js';
import { type SwarmSources, SwarmService } from '../../../../registry/services/swarm.js';
import type { SwarmSnapshot } from '../../../../tracker/embedded.js';
import type { PeerRecord } from '../../../../tracker/peer-book.js';

const A = { digest: `sha256:${'a'.repeat(64)}`, infoHash: '1'.repeat(40), size: 1000 };
const B = { digest: `sha256:${'b'.repeat(64)}`, infoHash: '2'.repeat(40), size: 500 };
const REGISTRY_ID = Buffer.from(`${REGISTRY_PEER_ID_PREFIX}`.padEnd(20, 'x')).toString('hex');
const HOST_ID = Buffer.from('-WW0300-abcdefghijkl').toString('hex');
const HOST2_ID = Buffer.from('-WW0300-mnopqrstuvwx').toString('hex');

function peer(peerId: string, fields: Partial<PeerRecord>): PeerRecord {
  return {
    peerId,
    address: '10.0.0.2:6881',
    left: 0,
    downloaded: 0,
    uploaded: 0,
    lastAnnounce: Date.parse('2026-01-01T00:00:00Z'),
    completed: false,
    stopped: false,
    ...fields,
  };
}

function sources(over: Partial<SwarmSources>): SwarmSources {
  const blobs = [A, B];
  return {
    swarms: () => [],
    seedBytes: () => new Map(),
    webSeedBytes: () => new Map(),
    blobByInfoHash: (ih) => blobs.find((b) => b.infoHash === ih),
    blobByDigest: (d) => blobs.find((b) => b.digest === d),
    ...over,
  };
}

const NOW = () => new Date('2026-01-01T00:00:05Z');

describe('SwarmService', () => {
  it('reports each swarm with its peers, progress and the bytes of each source', () => {
    const seed = peer(REGISTRY_ID, { uploaded: 999 });
    const host = peer(HOST_ID, { left: 250, downloaded: 750, uploaded: 100 });
    const done = peer(HOST2_ID, { left: 0, downloaded: 1000, uploaded: 300, completed: true });
    const departed = peer('ff'.repeat(20), { left: 0, uploaded: 50, stopped: true });
    const snapshot: SwarmSnapshot = {
      infoHash: A.infoHash,
      seeders: 2,
      leechers: 1,
      completed: 1,
      peers: [seed, host, done],
      everyPeer: [seed, host, done, departed],
    };
    const service = new SwarmService(
      sources({
        swarms: () => [snapshot],
        seedBytes: () => new Map([[A.infoHash, 600]]),
        webSeedBytes: () => new Map([[A.digest, 150]]),
      }),
      NOW,
    );
    const report = service.report();
    expect(report.at).toBe('2026-01-01T00:00:05.000Z');
    expect(report.blobs).toHaveLength(1);
    const blob = report.blobs[0]!;
    expect(blob).toMatchObject({
      digest: A.digest,
      size: 1000,
      seeders: 2,
      leechers: 1,
      completed: 1,
      registrySeedBytes: 600,
      webSeedBytes: 150,
      // The registry's own announce is not a peer's upload; departed peers still count.
      peerBytes: 100 + 300 + 50,
    });
    expect(blob.peers.map((p) => [p.registry, p.progress])).toEqual([
      [true, 1],
      [false, 0.75],
      [false, 1],
    ]);
    // Peers hold 750 + 1000 + 1000 bytes; the registry sent 600 + 150.
    expect(report.totals).toEqual({
      registrySeedBytes: 600,
      webSeedBytes: 150,
      peerBytes: 450,
      centralBytes: 2750,
      savedBytes: 2000,
    });
  });

  it('lists blobs only the seed or the web seed served, and never a negative saving', () => {
    const service = new SwarmService(
      sources({
        seedBytes: () => new Map([[B.infoHash, 500]]),
        webSeedBytes: () => new Map([[A.digest, 1000]]),
      }),
      NOW,
    );
    const report = service.report();
    expect(report.blobs.map((b) => [b.digest, b.registrySeedBytes, b.webSeedBytes])).toEqual([
      [A.digest, 0, 1000],
      [B.digest, 500, 0],
    ]);
    expect(report.totals.savedBytes).toBe(0);
  });

  it('skips infohashes and digests the registry does not store', () => {
    const service = new SwarmService(
      sources({
        seedBytes: () => new Map([['9'.repeat(40), 5]]),
        webSeedBytes: () => new Map([['sha256:gone', 5]]),
      }),
      NOW,
    );
    expect(service.report().blobs).toEqual([]);
  });
});
