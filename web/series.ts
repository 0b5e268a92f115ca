import type { BlobSwarm, SwarmReport } from '../lib/api/bodies.js';

/** Columns for uPlot: time (s) and, per source, cumulative bytes sent. */
export interface EgressSeries {
  time: number[];
  registrySeed: number[];
  webSeed: number[];
  peers: number[];
  central: number[];
}

export const MAX_SAMPLES = 300;

export function emptySeries(): EgressSeries {
  return { time: [], registrySeed: [], webSeed: [], peers: [], central: [] };
}

/** The series with `report`'s totals appended, the oldest samples dropped past `max`. */
export function appendSample(
  series: EgressSeries,
  report: SwarmReport,
  max = MAX_SAMPLES,
): EgressSeries {
  const t = Date.parse(report.at) / 1000;
  const keep = <T>(values: T[], next: T): T[] => [...values, next].slice(-max);
  return {
    time: keep(series.time, t),
    registrySeed: keep(series.registrySeed, report.totals.registrySeedBytes),
    webSeed: keep(series.webSeed, report.totals.webSeedBytes),
    peers: keep(series.peers, report.totals.peerBytes),
    central: keep(series.central, report.totals.centralBytes),
  };
}

export interface ImageSwarm {
  ref: string;
  blobs: number;
  seeders: number;
  leechers: number;
  /** Peers (the registry's seed left out) present in any of the image's swarms. */
  peers: number;
}

/**
 * Per image: its blobs' swarms summed. Seeders are the fewest of any blob (a host seeds
 * the image only when it has every blob), leechers the most; registry peers left out.
 */
export function swarmsByImage(
  blobs: BlobSwarm[],
  imagesOfBlob: Map<string, string[]>,
): ImageSwarm[] {
  const byRef = new Map<string, BlobSwarm[]>();
  for (const blob of blobs) {
    for (const ref of imagesOfBlob.get(blob.digest) ?? []) {
      byRef.set(ref, [...(byRef.get(ref) ?? []), blob]);
    }
  }
  return [...byRef]
    .map(([ref, list]) => {
      const hosts = new Set(
        list.flatMap((b) => b.peers.filter((p) => !p.registry)).map((p) => p.peerId),
      );
      return {
        ref,
        blobs: list.length,
        seeders: Math.min(...list.map((b) => b.seeders)),
        leechers: Math.max(...list.map((b) => b.leechers)),
        peers: hosts.size,
      };
    })
    .sort((a, b) => a.ref.localeCompare(b.ref));
}
