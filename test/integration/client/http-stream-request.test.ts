import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { streamRequest } from '../../../client/http-stream-request.js';

const MiB = 1024 * 1024;

/** A body of `total` bytes that counts how much of it has been read. */
function countingBody(total: number): { stream: Readable; produced: () => number } {
  let produced = 0;
  const chunk = Buffer.alloc(64 * 1024, 7);
  const stream = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      produced += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, produced: () => produced };
}

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function listen(handler: http.RequestListener): Promise<URL> {
  server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`);
}

describe('streamRequest', () => {
  it('reads the body only as fast as the server takes it', async () => {
    let received = 0;
    let stalled!: () => void;
    const stall = new Promise<void>((r) => {
      stalled = r;
    });
    const url = await listen((req) => {
      req.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= MiB) {
          req.pause();
          stalled();
        }
      });
    });
    const body = countingBody(256 * MiB);
    void streamRequest('PUT', url, {}, body.stream).catch(() => {});
    await stall;
    // Give the client every chance to run ahead: wait until it stops producing.
    let last = -1;
    for (let i = 0; i < 50 && body.produced() !== last; i++) {
      last = body.produced();
      await new Promise((r) => setTimeout(r, 50));
    }
    // Loopback socket buffers hold a few MiB at most; fetch would have read all 256 MiB.
    expect(body.produced()).toBeLessThan(32 * MiB);
    body.stream.destroy();
  });

  it('returns the answer of a server that refuses the upload early', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"no"}]}');
    });
    const res = await streamRequest('PUT', url, {}, countingBody(8 * MiB).stream);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'no' }] });
  });

  it('rejects with the body stream error when the body fails', async () => {
    const url = await listen((req, res) => {
      req.resume();
      req.on('end', () => res.end());
    });
    const failing = new Readable({
      read() {
        this.destroy(new Error('digest mismatch'));
      },
    });
    await expect(streamRequest('PUT', url, {}, failing)).rejects.toThrow('digest mismatch');
  });

  it('resolves with a 201 answer and its headers once the whole body is sent', async () => {
    let received = 0;
    const url = await listen((req, res) => {
      req.on('data', (c: Buffer) => {
        received += c.length;
      });
      req.on('end', () => {
        res.writeHead(201, { location: '/v2/x/blobs/sha256:abc' });
        res.end();
      });
    });
    const res = await streamRequest('PUT', url, {}, countingBody(4 * MiB).stream);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/v2/x/blobs/sha256:abc');
    expect(received).toBe(4 * MiB);
  });
});
