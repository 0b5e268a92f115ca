import type { HealthReport } from '../../lib/api/index.js';

export interface HealthSources {
  version: string;
  /** Epoch ms when the registry started. */
  startedAt: number;
  authReads: boolean;
  storageBytes(): number;
  blobs(): number;
  activeTorrents(): number;
  trackedSwarms(): number;
  now?: () => number;
}

/** The registry's health at a glance (the Prometheus metrics stay at /metrics). */
export class HealthService {
  constructor(private readonly sources: HealthSources) {}

  report(): HealthReport {
    const s = this.sources;
    const now = s.now?.() ?? Date.now();
    return {
      version: s.version,
      uptimeSeconds: Math.max(0, Math.floor((now - s.startedAt) / 1000)),
      storageBytes: s.storageBytes(),
      blobs: s.blobs(),
      activeTorrents: s.activeTorrents(),
      trackedSwarms: s.trackedSwarms(),
      authReads: s.authReads,
    };
  }
}
