import { createSocket, type Socket } from 'node:dgram';
import { createServer, type ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import type { Server } from 'bittorrent-tracker';
import type { Logger } from 'pino';
import { listen } from '../lib/http/listen.js';
import { createTrackerServer, routeTrackerRequest, trackerStats } from './embedded.js';
import { RegistryWhitelist } from './whitelist.js';

export interface StandaloneTrackerOptions {
  /** 0 picks a free port. */
  httpPort: number;
  /** UDP tracker (BEP 15) port; absent: no UDP tracker. 0 picks a free port. */
  udpPort?: number;
  /** Address to bind (both HTTP and UDP); absent: every address, IPv4 and IPv6. */
  host?: string;
  /** A registry URL: allow only the infohashes it lists at GET /docket/v1/infohashes. */
  whitelistFrom?: string;
  /** Bearer token for the registry's infohash list, when it requires auth for reads. */
  whitelistToken?: string;
  announceIntervalMs?: number;
  /** Peers one address may have in a swarm; absent: no limit. */
  maxPeersPerIp?: number;
  /** Serve /stats (HTML) and /stats.json; default true. */
  statsPage?: boolean;
  logger: Logger;
}

export interface StandaloneTracker {
  /** e.g. http://127.0.0.1:6969/announce */
  httpUrl: string;
  /** e.g. udp://127.0.0.1:6969 */
  udpUrl?: string;
  close(): Promise<void>;
}

/** `docket tracker`: bittorrent-tracker over HTTP (BEP 3, BEP 23, BEP 48) and UDP (BEP 15). */
export async function startStandaloneTracker(
  opts: StandaloneTrackerOptions,
): Promise<StandaloneTracker> {
  const { logger } = opts;
  const whitelist = opts.whitelistFrom
    ? new RegistryWhitelist(opts.whitelistFrom, logger, { token: opts.whitelistToken })
    : undefined;
  await whitelist?.start();
  const server = createTrackerServer({
    logger,
    announceIntervalMs: opts.announceIntervalMs,
    maxPeersPerIp: opts.maxPeersPerIp,
    filter: whitelist ? (infoHash) => whitelist.allows(infoHash) : undefined,
  });

  const statsPage = opts.statsPage ?? true;
  const http = createServer((req, res) => {
    if (routeTrackerRequest(server, req, res)) return;
    const path = (req.url ?? '').split('?')[0];
    if (statsPage && req.method === 'GET' && (path === '/stats' || path === '/stats.json')) {
      const json = path === '/stats.json' || req.headers.accept === 'application/json';
      sendStats(server, res, json, whitelist?.size);
      return;
    }
    res.statusCode = 404;
    res.end('not found\n');
  });
  const httpPort = await listen(http, opts.httpPort, opts.host);

  const sockets: Socket[] = [];
  let udpPort: number | undefined;
  if (opts.udpPort !== undefined) {
    // One socket per address family, each bound to an address of its own family: binding
    // a udp6 socket to an IPv4 address (or the reverse) fails with EINVAL.
    const families = opts.host
      ? [{ type: isIPv6(opts.host) ? ('udp6' as const) : ('udp4' as const), host: opts.host }]
      : [
          { type: 'udp4' as const, host: '0.0.0.0' },
          { type: 'udp6' as const, host: '::' },
        ];
    let port = opts.udpPort;
    for (const family of families) {
      const socket = createSocket({ type: family.type, ipv6Only: family.type === 'udp6' });
      socket.on('message', (msg, rinfo) => server.onUdpRequest(msg, rinfo));
      socket.on('error', (err) => logger.error({ err }, 'udp tracker socket error'));
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, family.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      port = socket.address().port;
      sockets.push(socket);
      // bittorrent-tracker answers through these two properties.
      if (family.type === 'udp4') server.udp4 = socket;
      else server.udp6 = socket;
    }
    udpPort = port;
  }

  const urlHost = urlHostOf(opts.host);
  const tracker: StandaloneTracker = {
    httpUrl: `http://${urlHost}:${httpPort}/announce`,
    udpUrl: udpPort === undefined ? undefined : `udp://${urlHost}:${udpPort}`,
    async close() {
      whitelist?.stop();
      for (const socket of sockets) socket.close();
      server.udp4 = null;
      server.udp6 = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  logger.info({ http: tracker.httpUrl, udp: tracker.udpUrl }, 'tracker listening');
  return tracker;
}

function urlHostOf(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return isIPv6(host) ? `[${host}]` : host;
}

function sendStats(server: Server, res: ServerResponse, json: boolean, whitelisted?: number) {
  const swarms = Object.values(server.torrents).map((s) => ({
    infoHash: s.infoHash,
    complete: s.complete,
    incomplete: s.incomplete,
  }));
  const stats = { ...trackerStats(server), whitelisted: whitelisted ?? null, swarms };
  if (json) {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  const rows = swarms
    .map(
      (s) =>
        `<tr><td><code>${s.infoHash}</code></td><td>${s.complete}</td><td>${s.incomplete}</td></tr>`,
    )
    .join('\n');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><title>docket tracker</title>
<h1>${stats.torrents} torrents, ${stats.peers} peers</h1>
${whitelisted === undefined ? '' : `<p>${whitelisted} infohashes allowed by the registry</p>`}
<table><tr><th>infohash</th><th>seeds</th><th>leechers</th></tr>
${rows}
</table>
`);
}
