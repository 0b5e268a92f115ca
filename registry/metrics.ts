import { Counter, Gauge, type Registry } from 'prom-client';

export interface MetricSources {
  blobsStored(): number;
  seeder?(): { activeTorrents: number; peers: number; uploadedBytes: number };
  tracker?(): { torrents: number; peers: number };
  /** Whether the registry stores this blob: the web seed tally keeps only those. */
  blobStored?(digest: string): boolean;
}

export interface RegistryMetrics {
  requests: Counter<'route' | 'method' | 'status'>;
  bytesServed: Counter<'route'>;
  /** Bytes sent from the web seed URL (BEP 19), per blob digest: for the swarm report. */
  webSeedBytes: ByteTally;
  /** Direct (HTTP) download requests: granted, denied, or cut short when another host came. */
  directDownloads: Counter<'outcome'>;
}

/**
 * Bytes per key, in memory: a Prometheus label per digest would grow without bound. Only
 * keys `keep` accepts are added (stored blobs: a request for any other digest adds
 * nothing), and a snapshot drops the keys it no longer accepts (blobs gc swept).
 */
export class ByteTally {
  private readonly bytes = new Map<string, number>();

  constructor(private readonly keep: (key: string) => boolean = () => true) {}

  get size(): number {
    return this.bytes.size;
  }

  add(key: string, n: number): void {
    if (!this.bytes.has(key) && !this.keep(key)) return;
    this.bytes.set(key, (this.bytes.get(key) ?? 0) + n);
  }

  snapshot(): ReadonlyMap<string, number> {
    for (const key of [...this.bytes.keys()]) if (!this.keep(key)) this.bytes.delete(key);
    return new Map(this.bytes);
  }
}

/** Registers the registry's metrics in `register` (never prom-client's global registry). */
export function createMetrics(register: Registry, sources: MetricSources): RegistryMetrics {
  const requests = new Counter({
    name: 'docket_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [register],
  });
  const bytesServed = new Counter({
    name: 'docket_http_response_bytes_total',
    help: 'Response body bytes sent over HTTP, by route',
    labelNames: ['route'] as const,
    registers: [register],
  });
  gauge(register, 'docket_blobs_stored', 'Blobs in the registry', () => sources.blobsStored());
  gauge(register, 'docket_seeder_active_torrents', 'Torrents the seeder is seeding', () =>
    sources.seeder ? sources.seeder().activeTorrents : 0,
  );
  gauge(register, 'docket_seeder_peers', 'Peers connected to the seeder', () =>
    sources.seeder ? sources.seeder().peers : 0,
  );
  gauge(register, 'docket_bittorrent_uploaded_bytes', 'Bytes the seeder uploaded to peers', () =>
    sources.seeder ? sources.seeder().uploadedBytes : 0,
  );
  gauge(register, 'docket_tracker_torrents', 'Torrents the embedded tracker knows', () =>
    sources.tracker ? sources.tracker().torrents : 0,
  );
  gauge(register, 'docket_tracker_peers', 'Peers in the embedded tracker swarms', () =>
    sources.tracker ? sources.tracker().peers : 0,
  );
  const directDownloads = new Counter({
    name: 'docket_direct_downloads_total',
    help: 'Direct (HTTP) blob download requests by outcome: granted, denied (the swarm is busy), cut (another host started)',
    labelNames: ['outcome'] as const,
    registers: [register],
  });
  const webSeedBytes = new ByteTally(sources.blobStored ?? (() => true));
  return { requests, bytesServed, webSeedBytes, directDownloads };
}

function gauge(register: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [register],
    collect() {
      this.set(read());
    },
  });
}
