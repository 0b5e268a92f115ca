import type { BlobSwarm, SwarmPeer, SwarmReport } from '../../lib/api/index.js';
import { REGISTRY_PEER_ID_PREFIX, peerIdHasPrefix } from '../../lib/torrent.js';
import type { PeerRecord } from '../../tracker/peer-book.js';
import type { SwarmSnapshot } from '../../tracker/embedded.js';

interface BlobRef {
  digest: string;
  infoHash: string;
  size: number;
}

export interface SwarmSources {
  /** The embedded tracker's swarms; none when the registry runs without it. */
  swarms(): SwarmSnapshot[];
  /** Bytes the registry's seed uploaded, per infohash. */
  seedBytes(): ReadonlyMap<string, number>;
  /** Bytes sent from the web seed URL, per digest. */
  webSeedBytes(): ReadonlyMap<string, number>;
  blobByInfoHash(infoHash: string): BlobRef | undefined;
  blobByDigest(digest: string): BlobRef | undefined;
}

/**
 * The swarm report: per blob, the tracker's seeders and leechers, each peer's progress,
 * and the bytes served by the registry's seed, its web seed and other peers.
 */
export class SwarmService {
  constructor(
    private readonly sources: SwarmSources,
    private readonly now: () => Date = () => new Date(),
  ) {}

  report(): SwarmReport {
    const snapshots = new Map(this.sources.swarms().map((s) => [s.infoHash, s]));
    const seedBytes = this.sources.seedBytes();
    const blobs = new Map<string, BlobRef>();
    for (const infoHash of [...snapshots.keys(), ...seedBytes.keys()]) {
      const blob = this.sources.blobByInfoHash(infoHash);
      if (blob) blobs.set(blob.infoHash, blob);
    }
    const webSeed = this.sources.webSeedBytes();
    for (const digest of webSeed.keys()) {
      const blob = this.sources.blobByDigest(digest);
      if (blob) blobs.set(blob.infoHash, blob);
    }
    const rows = [...blobs.values()].map((blob) =>
      blobSwarm(blob, snapshots.get(blob.infoHash), {
        registrySeedBytes: seedBytes.get(blob.infoHash) ?? 0,
        webSeedBytes: webSeed.get(blob.digest) ?? 0,
      }),
    );
    rows.sort((a, b) => a.digest.localeCompare(b.digest));
    return { at: this.now().toISOString(), blobs: rows, totals: totals(rows, snapshots, blobs) };
  }
}

function blobSwarm(
  blob: BlobRef,
  snapshot: SwarmSnapshot | undefined,
  sent: { registrySeedBytes: number; webSeedBytes: number },
): BlobSwarm {
  const everyPeer = snapshot?.everyPeer ?? [];
  return {
    digest: blob.digest,
    infoHash: blob.infoHash,
    size: blob.size,
    seeders: snapshot?.seeders ?? 0,
    leechers: snapshot?.leechers ?? 0,
    completed: snapshot?.completed ?? 0,
    peers: (snapshot?.peers ?? []).map((p) => swarmPeer(p, blob.size)),
    ...sent,
    peerBytes: sum(everyPeer.filter((p) => !isRegistry(p)).map((p) => p.uploaded)),
  };
}

function totals(
  rows: BlobSwarm[],
  snapshots: ReadonlyMap<string, SwarmSnapshot>,
  blobs: ReadonlyMap<string, BlobRef>,
): SwarmReport['totals'] {
  const registrySeedBytes = sum(rows.map((r) => r.registrySeedBytes));
  const webSeedBytes = sum(rows.map((r) => r.webSeedBytes));
  let centralBytes = 0;
  for (const [infoHash, snapshot] of snapshots) {
    const size = blobs.get(infoHash)?.size ?? 0;
    for (const p of snapshot.everyPeer) {
      if (!isRegistry(p)) centralBytes += Math.max(0, size - Math.min(size, p.left));
    }
  }
  return {
    registrySeedBytes,
    webSeedBytes,
    peerBytes: sum(rows.map((r) => r.peerBytes)),
    centralBytes,
    savedBytes: Math.max(0, centralBytes - registrySeedBytes - webSeedBytes),
  };
}

function swarmPeer(p: PeerRecord, size: number): SwarmPeer {
  return {
    peerId: p.peerId,
    address: p.address,
    left: p.left,
    downloaded: p.downloaded,
    uploaded: p.uploaded,
    progress: size > 0 ? Math.max(0, Math.min(1, (size - p.left) / size)) : 1,
    registry: isRegistry(p),
    lastAnnounce: new Date(p.lastAnnounce).toISOString(),
  };
}

function isRegistry(p: PeerRecord): boolean {
  return peerIdHasPrefix(p.peerId, REGISTRY_PEER_ID_PREFIX);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
