import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import { Header } from '../lib/api/index.js';

/** The registry's HTTP server over the Koa app; every response names the registry's version. */
export function createHttpServer(app: Koa, version: string): Server {
  const handle = app.callback();
  return createServer((req, res) => {
    res.setHeader(Header.docketVersion, version);
    return handle(req, res);
  });
}

/**
 * Stops accepting connections and ends the open ones (idle keep-alives, event streams,
 * requests in flight); resolves once the server is closed.
 */
export function closeHttpServer(server: Server): Promise<void> {
  const stopped = new Promise<void>((done) => server.close(() => done()));
  server.closeAllConnections();
  return stopped;
}
