import type { HealthReport } from '../lib/api/bodies.js';
import { api } from './api.js';
import { formatBytes, formatDuration } from './format.js';
import { usePoll } from './use-poll.js';

/** Version, uptime, storage, torrents; Prometheus has the rest at /metrics. */
export function HealthView({ onUnauthorized }: { onUnauthorized(): void }) {
  const { data, error } = usePoll<HealthReport>(api.health, 5_000, onUnauthorized);
  return (
    <section aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      {error && (
        <p role="alert" class="error">
          Could not read the registry's health: {error.message}
        </p>
      )}
      {data && (
        <dl class="totals">
          <div>
            <dt>Version</dt>
            <dd>{data.version}</dd>
          </div>
          <div>
            <dt>Uptime</dt>
            <dd>{formatDuration(data.uptimeSeconds)}</dd>
          </div>
          <div>
            <dt>Storage used</dt>
            <dd>{formatBytes(data.storageBytes)}</dd>
          </div>
          <div>
            <dt>Blobs</dt>
            <dd>{data.blobs}</dd>
          </div>
          <div>
            <dt>Active torrents</dt>
            <dd>{data.activeTorrents}</dd>
          </div>
          <div>
            <dt>Swarms tracked</dt>
            <dd>{data.trackedSwarms}</dd>
          </div>
          <div>
            <dt>Reads need a token</dt>
            <dd>{data.authReads ? 'yes' : 'no'}</dd>
          </div>
        </dl>
      )}
      <p>
        Prometheus metrics: <a href="/metrics">/metrics</a>
      </p>
    </section>
  );
}
