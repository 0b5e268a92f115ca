import { createServer } from 'node:http';
import type { PreheatedImage } from '../lib/api/index.js';
import { bandwidthOf, type RateLimits } from '../lib/bandwidth.js';
import { ErrorCodes } from '../lib/errcode.js';
import { UnauthorizedError } from '../lib/errors.js';
import { listen } from '../lib/http/listen.js';
import { RegistryUnreachableError } from '../client/errors.js';
import { BlobFetcher } from '../client/fetch/blob-fetcher.js';
import { cachePeer } from '../client/p2p/cache-peer.js';
import { warningLogger } from '../client/warning-logger.js';
import { claimSeeding } from '../client/services/seeder-handoff.js';
import { BlobCache } from '../client/p2p/blob-cache.js';
import { seedCache } from '../client/p2p/seed-cache.js';
import { SwarmClient } from '../client/p2p/swarm-client.js';
import type { RegistryClient } from '../client/registry-client.js';
import { AgentCache } from './agent-cache.js';
import { AgentService } from './agent-service.js';
import { BlobSource } from './blob-source.js';
import { createAgentApp } from './http.js';
import { watchPushes } from './preheat-watch.js';

/** How often the agent looks for blobs a `docket pull` on its cache left to it. */
const RESCAN_MS = 5_000;

export interface AgentOptions {
  /** The registry, with the agent's credentials. */
  registry: RegistryClient;
  cacheDir: string;
  cacheBytes: number;
  /** Where runtimes reach the agent, e.g. 127.0.0.1 and 5050 (0: any free port). */
  host: string;
  port: number;
  /**
   * Host names runtimes may reach the agent by besides loopback and `host` (`name` at the
   * agent's port, or `name:port`): any other `Host` is refused (agent/http.ts).
   */
  allowedHosts?: string[];
  /** TCP port for incoming peers (0: any free port). */
  torrentPort: number;
  /**
   * Caps in bytes per second (0: none): downloads from peers, the web seed and the
   * registry's HTTP share one budget, uploads to peers the other. Runtimes' pulls from
   * the agent are not counted.
   */
  rates?: Partial<RateLimits>;
  /** Repository patterns to preheat on push (preheat-watch.ts); none: no subscription. */
  preheat: string[];
  onEvent(event: AgentEvent): void;
  onWarning(message: string): void;
}

export type AgentEvent =
  | { kind: 'listening'; url: string; torrentPort: number; seeding: number }
  | { kind: 'subscribed'; patterns: string[] }
  | { kind: 'preheated'; image: PreheatedImage }
  | { kind: 'stopped'; uploadedBytes: number };

export interface RunningAgent {
  /** http://host:port */
  url: string;
  port: number;
  service: AgentService;
  /** Stops serving, the subscription and the swarm; removes seeder.json. */
  close(): Promise<void>;
}

/**
 * Starts `docket agent`: seeds what the cache holds (it survives restarts), serves the
 * OCI read API for `registry`, writes `<cacheDir>/seeder.json`, and with `preheat`
 * follows the registry's pushes to fetch matching images ahead of the runtime.
 */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const logger = warningLogger(opts.onWarning);
  // The agent bounds the cache itself (AgentCache): it must not evict what it serves.
  const blobs = new BlobCache(opts.cacheDir, Number.POSITIVE_INFINITY);
  await blobs.init();
  const bandwidth = bandwidthOf(opts.rates ?? {});
  const swarm = new SwarmClient({
    cache: blobs,
    torrentPort: opts.torrentPort,
    bandwidth,
    logger,
  });
  const cache = new AgentCache(blobs, opts.cacheBytes, async (digest) => {
    const torrent = await blobs.torrent(digest);
    if (torrent) await swarm.unseed(torrent);
  });
  const fetcher = new BlobFetcher({
    registry: opts.registry,
    peer: cachePeer(blobs, async () => swarm, bandwidth),
    direct: true,
    seed: (blob) => swarm.seed(blob),
    onWarning: opts.onWarning,
  });
  const source = new BlobSource(fetcher, cache);
  const service = new AgentService({
    registry: opts.registry,
    cache,
    source,
    seeding: () => swarm.activeDigests().length,
  });
  const stop = new AbortController();
  const app = createAgentApp(service, {
    registryUrl: opts.registry.url.href,
    allowedHosts: [...(isWildcard(opts.host) ? [] : [opts.host]), ...(opts.allowedHosts ?? [])],
    onError: (err, ctx) =>
      logger.error({ err, method: ctx.method, path: ctx.path }, 'agent request failed'),
    // Every one, not once per distinct line as `logger` does: each is a runtime's failed pull.
    onUpstreamError: (err, ctx, answer) =>
      opts.onWarning(
        `${ctx.method} ${ctx.path}: ${answer.status ?? ErrorCodes[answer.code].status} ${answer.code}: ${err.message}`,
      ),
  });
  const server = createServer(app.callback());
  let removeSeederFile: (() => Promise<void>) | undefined;
  let rescan: NodeJS.Timeout | undefined;
  try {
    await cache.trim();
    await seedCache(blobs, swarm, logger);
    const port = await listen(server, opts.port, opts.host);
    // Pulls on this cache now leave seeding to the agent (seeder-handoff.ts): pick up
    // the blobs they cache.
    removeSeederFile = await claimSeeding(opts.cacheDir, 'docket agent');
    rescan = setInterval(
      () => void seedCache(blobs, swarm, logger).catch((err) => opts.onWarning(String(err))),
      RESCAN_MS,
    );
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const url = `http://${host}:${port}`;
    opts.onEvent({
      kind: 'listening',
      url,
      torrentPort: await swarm.listening(),
      seeding: swarm.activeDigests().length,
    });
    void probeRegistry(opts.registry, opts.onWarning);
    const watching =
      opts.preheat.length > 0 ? watchPreheat(opts, service, stop.signal) : Promise.resolve();
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        stop.abort();
        clearInterval(rescan);
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeAllConnections();
        await closed;
        await watching;
        opts.onEvent({ kind: 'stopped', uploadedBytes: swarm.stats().uploadedBytes });
        await swarm.destroy();
        await removeSeederFile?.();
      })();
      return closing;
    };
    return { url, port, service, close };
  } catch (err) {
    clearInterval(rescan);
    server.close();
    await swarm.destroy();
    await removeSeederFile?.();
    throw err;
  }
}

/** An address that means every interface: no name a runtime could send in `Host`. */
function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * Asks the registry's `GET /v2/` once at start, so that an agent pointed at a registry it
 * cannot use says so then, not only in the runtimes' 503s. Never throws: it serves anyway.
 */
async function probeRegistry(
  registry: RegistryClient,
  onWarning: (message: string) => void,
): Promise<void> {
  try {
    await registry.ping();
  } catch (err) {
    const url = registry.url.origin;
    if (err instanceof RegistryUnreachableError)
      onWarning(
        `registry ${url} is unreachable (${err.reason}): serving anyway, pulls fail until it answers`,
      );
    else if (err instanceof UnauthorizedError)
      onWarning(
        `registry ${url} refused the agent's token (${err.message}): serving anyway, pulls fail until it accepts one`,
      );
    else onWarning(`registry ${url}: GET /v2/ failed (${(err as Error).message}): serving anyway`);
  }
}

function watchPreheat(opts: AgentOptions, service: AgentService, signal: AbortSignal) {
  const running = new Set<string>();
  return watchPushes({
    registry: opts.registry,
    patterns: opts.preheat,
    signal,
    onConnected: () => opts.onEvent({ kind: 'subscribed', patterns: opts.preheat }),
    onWarning: opts.onWarning,
    onPush: (event) => {
      const { repository, digest } = event.target;
      if (running.has(digest)) return;
      running.add(digest);
      service
        .preheat(repository, digest)
        .then((image) => opts.onEvent({ kind: 'preheated', image }))
        .catch((err: unknown) =>
          opts.onWarning(`preheat of ${repository}@${digest} failed: ${(err as Error).message}`),
        )
        .finally(() => running.delete(digest));
    },
  });
}
