import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from '../../../client/http-fetch.js';

const BIG = Buffer.alloc(4 * 1024 * 1024, 7);

describe('httpFetch: requests over node:http for the registry client', () => {
  let server: Server;
  let base: string;
  let connections = 0;
  let hold: ServerResponse | undefined;
  let onHold: (() => void) | undefined;
  const received: { method: string; length: string | undefined; body: string }[] = [];

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    received.push({
      method: req.method ?? '',
      length: req.headers['content-length'],
      body: Buffer.concat(chunks).toString(),
    });
    if (req.url === '/json') {
      res.setHeader('docker-distribution-api-version', 'registry/2.0');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, auth: req.headers.authorization ?? null }));
    } else if (req.url === '/missing') {
      res.statusCode = 404;
      res.end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
    } else if (req.url === '/big') {
      res.end(BIG);
    } else if (req.url === '/hold') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
      hold = res; // never ends: the client aborts
    } else if (req.url === '/never') {
      hold = res;
      onHold?.();
    } else {
      res.statusCode = 201;
      res.end('created');
    }
  };

  beforeAll(async () => {
    server = createServer((req, res) => void handler(req, res));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers status, headers and a streamed body; error statuses resolve', async () => {
    const res = await httpFetch(new URL(`${base}/json`), {
      headers: { authorization: 'Bearer t' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('Docker-Distribution-API-Version')).toBe('registry/2.0');
    expect(res.headers.get('location')).toBeNull();
    expect(await res.json()).toEqual({ ok: true, auth: 'Bearer t' });
    const missing = await httpFetch(new URL(`${base}/missing`));
    expect(missing.status).toBe(404);
    expect(missing.ok).toBe(false);
    expect(await missing.text()).toContain('BLOB_UNKNOWN');
    const big = await httpFetch(new URL(`${base}/big`));
    const chunks: Uint8Array[] = [];
    for await (const chunk of big.body as ReadableStream<Uint8Array>) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(BIG)).toBe(true);
  });

  it('sends a Buffer body with its Content-Length; HEAD answers have no body', async () => {
    const res = await httpFetch(new URL(`${base}/put`), {
      method: 'PUT',
      body: Buffer.from('{"a":1}'),
    });
    expect(res.status).toBe(201);
    expect(received.at(-1)).toEqual({ method: 'PUT', length: '7', body: '{"a":1}' });
    const head = await httpFetch(new URL(`${base}/json`), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('keeps one connection across requests, even when an answer goes unread', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const res = await httpFetch(new URL(`${base}/json`));
      expect(res.status).toBe(200); // body never read
      // The unread body still reaches its end, which hands the socket back to the pool.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(connections - before).toBeLessThanOrEqual(1);
  });

  it('an abort before the answer rejects with the signal reason, after it errors the body', async () => {
    const reason = new Error('interrupted');
    const before = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      onHold = resolve;
    });
    const pending = httpFetch(new URL(`${base}/never`), { signal: before.signal });
    await arrived;
    before.abort(reason);
    await expect(pending).rejects.toBe(reason);

    const during = new AbortController();
    const res = await httpFetch(new URL(`${base}/hold`), { signal: during.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(Buffer.from((await reader.read()).value as Uint8Array).toString()).toBe('first');
    during.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    hold?.destroy();
  });

  it('with nodeBody, hands out the body as the Node stream off the socket, once', async () => {
    const big = await httpFetch(new URL(`${base}/big`), { nodeBody: true });
    const stream = big.nodeBody?.();
    expect(stream).toBeInstanceOf(Readable);
    expect(big.nodeBody?.()).toBeUndefined();
    const chunks: Buffer[] = [];
    for await (const chunk of stream as Readable) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(BIG)).toBe(true);
    // An error answer to such a request still reads as text; its Node stream is then gone.
    const missing = await httpFetch(new URL(`${base}/missing`), { nodeBody: true });
    expect(await missing.text()).toContain('BLOB_UNKNOWN');
    expect(missing.nodeBody?.()).toBeUndefined();
    // Without nodeBody the answer offers only the web stream.
    const plain = await httpFetch(new URL(`${base}/json`));
    expect(plain.nodeBody?.()).toBeUndefined();
    expect(await plain.json()).toMatchObject({ ok: true });
  });

  it('with nodeBody, an abort during the body errors the Node stream with the reason', async () => {
    const reason = new Error('interrupted');
    const during = new AbortController();
    const res = await httpFetch(new URL(`${base}/hold`), { signal: during.signal, nodeBody: true });
    const stream = res.nodeBody?.() as Readable;
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    expect(first.toString()).toBe('first');
    const failed = new Promise((resolve) => stream.once('error', resolve));
    during.abort(reason);
    expect(await failed).toBe(reason);
    hold?.destroy();
  });

  it('an already aborted signal rejects at once; a closed port rejects with ECONNREFUSED', async () => {
    const reason = new Error('stop');
    await expect(
      httpFetch(new URL(`${base}/json`), { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpFetch(new URL(`http://127.0.0.1:${port}/`))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
