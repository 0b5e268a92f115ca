import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import rangeParser from 'range-parser';

export interface TestHttpServer {
  url: string;
  /** Requests seen, by method and path. */
  requests: string[];
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1:0 around `handler`. */
export async function startHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestHttpServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A Range-capable blob server (206 + Content-Range for `Range: bytes=a-b`, as a BEP 19
 * web seed needs): GET /blobs/<digest> serves `files[digest]`.
 */
export function startBlobServer(files: Map<string, string>): Promise<TestHttpServer> {
  return startHttp((req, res) => {
    const digest = (req.url ?? '').replace(/^\/blobs\//, '');
    const path = files.get(digest);
    if (!path || req.method !== 'GET') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const size = statSync(path).size;
    const header = req.headers.range;
    const ranges = header ? rangeParser(size, header) : undefined;
    if (ranges === -1 || ranges === -2 || (Array.isArray(ranges) && ranges.length !== 1)) {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${size}`);
      res.end();
      return;
    }
    res.setHeader('Accept-Ranges', 'bytes');
    const range = Array.isArray(ranges) ? ranges[0] : undefined;
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    if (range) {
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    }
    res.setHeader('Content-Length', end - start + 1);
    createReadStream(path, { start, end }).pipe(res);
  });
}

/** A free TCP/UDP port number on 127.0.0.1 (for programs that cannot take port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
