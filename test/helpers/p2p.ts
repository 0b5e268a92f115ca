import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import rangeParser from 'range-parser';

/** Silent unless DOCKET_TEST_LOG=debug|info|... */
export function testLogger(): Logger {
  return pino({ level: process.env.DOCKET_TEST_LOG ?? 'silent' });
}

export async function tempDir(
  prefix = 'docket-p2p-',
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestBlob {
  path: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

/** A blob of `size` random bytes written to `dir/name`. */
export async function writeBlob(dir: string, size: number, name = 'blob-data'): Promise<TestBlob> {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, bytes);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { path, digest, size, bytes };
}

/** Rejects with a message naming `what` after `ms`: every wait in a test is bounded. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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

/** A bencode value whose byte strings and dictionary keys stay raw Buffers. */
export type RawBencode = number | Buffer | RawBencode[] | Map<Buffer, RawBencode>;

/** Decodes bencode (BEP 3) keeping dictionary keys as bytes, to check binary keys. */
export function decodeRaw(buf: Buffer): RawBencode {
  let pos = 0;
  const next = (): RawBencode => {
    const c = buf[pos];
    if (c === 0x69) {
      const end = buf.indexOf(0x65, pos);
      const n = Number(buf.subarray(pos + 1, end).toString('latin1'));
      pos = end + 1;
      return n;
    }
    if (c === 0x6c || c === 0x64) {
      pos++;
      const items: RawBencode[] = [];
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) throw new Error('truncated bencode');
        items.push(next());
      }
      pos++;
      if (c === 0x6c) return items;
      const map = new Map<Buffer, RawBencode>();
      for (let i = 0; i < items.length; i += 2)
        map.set(items[i] as Buffer, items[i + 1] as RawBencode);
      return map;
    }
    const colon = buf.indexOf(0x3a, pos);
    const len = Number(buf.subarray(pos, colon).toString('latin1'));
    if (colon < 0 || !Number.isInteger(len)) throw new Error(`bad bencode at ${pos}`);
    const out = buf.subarray(colon + 1, colon + 1 + len);
    pos = colon + 1 + len;
    return out;
  };
  return next();
}

/** `map[key]` for a RawBencode dict with text keys. */
export function rawGet(value: RawBencode, key: string): RawBencode | undefined {
  if (!(value instanceof Map)) return undefined;
  for (const [k, v] of value) if (k.toString('latin1') === key) return v;
  return undefined;
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, killing it (and failing) after `timeoutMs`. */
export function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out after ${opts.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
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

/**
 * One HTTP announce (BEP 3) of a peer on port 5000 (nothing listens there), then its
 * 'stopped' announce so it leaves the swarm; the first raw reply as latin1 text, '' when
 * the tracker did not answer.
 */
export async function announceOnce(announceUrl: string, infoHash: string): Promise<string> {
  const reply = await announceEvent(announceUrl, infoHash, '');
  await announceEvent(announceUrl, infoHash, 'stopped');
  return reply;
}

async function announceEvent(announceUrl: string, infoHash: string, event: string) {
  const params = new URLSearchParams({ peer_id: '-XX0001-abcdefghijkl', port: '5000', left: '0' });
  if (event) params.set('event', event);
  const url = `${announceUrl}?info_hash=${escapeBytes(Buffer.from(infoHash, 'hex'))}&${params}`;
  const res = await fetch(url).catch(() => undefined);
  return res ? Buffer.from(await res.arrayBuffer()).toString('latin1') : '';
}

/** Percent-encodes every byte: an infohash in a tracker URL is binary (BEP 3). */
export function escapeBytes(bytes: Buffer): string {
  return Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/**
 * Asserts that all of a download came from one source. Counts are bytes received, so a
 * block fetched twice (endgame, two wires to one peer) may push the count past the size.
 */
export function expectOnlyFrom(
  stats: { fromPeers: number; fromRegistrySeed: number; fromWebSeed: number },
  source: 'fromPeers' | 'fromRegistrySeed' | 'fromWebSeed',
  size: number,
): void {
  for (const key of ['fromPeers', 'fromRegistrySeed', 'fromWebSeed'] as const) {
    if (key === source) {
      if (stats[key] < size)
        throw new Error(`${key}: ${stats[key]} < ${size} (${JSON.stringify(stats)})`);
    } else if (stats[key] !== 0) {
      throw new Error(`expected nothing ${key}, got ${JSON.stringify(stats)}`);
    }
  }
}
