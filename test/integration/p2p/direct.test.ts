import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import parseTorrent from 'parse-torrent';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPeer } from '../../../client/p2p/local-peer.js';
import type { Digest } from '../../../lib/digest.js';
import { type GrowingFile, tailFile } from '../../../lib/growing-file.js';
import { BlobService } from '../../../registry/services/blobs.js';
import { announce } from '../../helpers/announce.js';
import { startTestRegistry, type TestRegistry, uploadBlob } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { type TestBlob, writeBlob } from '../../helpers/test-blob.js';
import { within } from '../../helpers/within.js';

const MiB = 1024 * 1024;
const REPO = 'direct-test/blob';

/**
 * Direct downloads (registry/services/direct-gate.ts) against a real registry over real
 * HTTP, and a cut one resumed by a real webtorrent download from the registry's seed.
 */
describe('direct downloads', () => {
  let registry: TestRegistry;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let blob: TestBlob;
  let torrent: Buffer;
  let infoHash: string;

  beforeAll(async () => {
    registry = await startTestRegistry();
    tmp = await tempDir();
    blob = await writeBlob(tmp.dir, 24 * MiB + 77);
    expect(await uploadBlob(registry, REPO, blob)).toBe(201);
    const res = await fetch(`${registry.url}/docket/v1/blobs/${blob.digest}/torrent`);
    torrent = Buffer.from(await res.arrayBuffer());
    infoHash = (await parseTorrent(torrent)).infoHash;
  });
  afterAll(async () => {
    await registry?.close();
    await tmp?.cleanup();
  });

  const askDirect = (signal?: AbortSignal) =>
    fetch(`${registry.url}/v2/${REPO}/blobs/${blob.digest}`, {
      headers: { 'Docket-Direct': '1' },
      ...(signal ? { signal } : {}),
    });

  /** Reads the rest of a body; the bytes read and whether it ended in an error. */
  async function drain(res: Response, already: number): Promise<{ bytes: number; broke: boolean }> {
    let bytes = already;
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) bytes += chunk.length;
      return { bytes, broke: false };
    } catch {
      return { bytes, broke: true };
    }
  }

  /**
   * A granted direct download: the registry notices that an earlier transfer's connection
   * closed a moment after the client did, so a few asks may still be denied.
   */
  async function grantedDirect(): Promise<Response> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const res = await askDirect();
      if (res.status === 200) return res;
      await res.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no direct download granted in 50 asks');
  }

  async function directMetric(outcome: string): Promise<number> {
    const text = await (await fetch(`${registry.url}/metrics`)).text();
    const m = new RegExp(`docket_direct_downloads_total\\{outcome="${outcome}"\\} (\\d+)`).exec(
      text,
    );
    return Number(m?.[1] ?? 0);
  }

  it('a lone host gets the whole blob over HTTP', async () => {
    const res = await askDirect();
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(blob.bytes)).toBe(true);
  });

  it('a second host asking cuts the first transfer short, and is sent to the swarm (409)', async () => {
    const cutBefore = await directMetric('cut');
    const first = await askDirect();
    expect(first.status).toBe(200);
    const reader = (first.body as ReadableStream<Uint8Array>).getReader();
    const head = await reader.read();
    reader.releaseLock();
    const second = await askDirect();
    expect(second.status).toBe(409);
    const envelope = (await second.json()) as { errors: Array<{ code: string }> };
    expect(envelope.errors[0]?.code).toBe('DIRECT_DENIED');
    const rest = await within(10_000, 'the cut body to end', drain(first, head.value?.length ?? 0));
    expect(rest.broke).toBe(true);
    expect(rest.bytes).toBeLessThan(blob.size);
    expect(await directMetric('cut')).toBe(cutBefore + 1);
    // Once the cut transfer has closed, a lone host is granted again.
    const third = await grantedDirect();
    expect((await drain(third, 0)).bytes).toBe(blob.size);
  });

  it('a host announcing to the tracker cuts a transfer in flight, and later asks are denied', async () => {
    const first = await grantedDirect();
    const reader = (first.body as ReadableStream<Uint8Array>).getReader();
    const head = await reader.read();
    reader.releaseLock();
    const peerId = '-XX0001-directtest01';
    await announce(`${registry.url}/announce`, infoHash, { peerId });
    try {
      const rest = await within(
        10_000,
        'the cut body to end',
        drain(first, head.value?.length ?? 0),
      );
      expect(rest.broke).toBe(true);
      expect((await askDirect()).status).toBe(409);
    } finally {
      await announce(`${registry.url}/announce`, infoHash, { peerId, event: 'stopped' });
    }
  });

  it('a host announcing while the registry opens the blob file is not lost: the ask is denied', async () => {
    // The registry is real; only its blob open waits for the test, which widens the window
    // a busy machine leaves between a grant and the listener for its cut.
    const original = BlobService.prototype.open;
    let opened!: () => void;
    const opening = new Promise<void>((resolve) => {
      opened = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const spy = vi.spyOn(BlobService.prototype, 'open').mockImplementation(async function (
      this: BlobService,
      ...args: Parameters<BlobService['open']>
    ) {
      opened();
      await released;
      return original.apply(this, args);
    });
    const peerId = '-XX0001-directtest02';
    try {
      const asking = askDirect();
      await within(10_000, 'the registry to open the blob', opening);
      await announce(`${registry.url}/announce`, infoHash, { peerId });
      release();
      const res = await asking;
      // Before the fix this was a 200 whose whole body went out: the cut came too early.
      if (res.status === 200) {
        const rest = await within(10_000, 'the body to end', drain(res, 0));
        expect(rest.bytes, 'the blob went out whole').toBeLessThan(blob.size);
      }
      expect(res.status).toBe(409);
    } finally {
      spy.mockRestore();
      release();
      await announce(`${registry.url}/announce`, infoHash, { peerId, event: 'stopped' });
    }
  });

  it('a download cut short resumes from the swarm: the blob is whole, part of it over HTTP', async () => {
    const swarm = await createPeer({ cacheDir: join(tmp.dir, 'cut'), cacheBytes: 1 << 30 });
    try {
      // The direct body holds its second chunk until another host has asked (and been
      // sent to the swarm), so the registry cuts the transfer at a known point.
      const opener = async (): Promise<Readable> => {
        const res = await grantedDirect();
        let chunks = 0;
        const gate = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            chunks++;
            if (chunks !== 2) return cb(null, chunk);
            askDirect().then(
              (other) => {
                expect(other.status).toBe(409);
                cb(null, chunk);
              },
              (err: Error) => cb(err),
            );
          },
        });
        // pipeline, not pipe: the cut (an error of the source) must reach the reader.
        pipeline(
          Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
          gate,
          () => {},
        );
        return gate;
      };
      // A reader tailing the file as the engine feed does: it gets bytes while the direct
      // download runs, and the rest from the swarm's finished file.
      let tailed: Promise<{ bytes: Buffer; early: boolean }> | undefined;
      let finish!: (path: string) => void;
      const finished = new Promise<string>((resolve) => {
        finish = resolve;
      });
      const onFile = (file: GrowingFile) => {
        tailed = (async () => {
          const chunks: Buffer[] = [];
          let early = false;
          let done = false;
          void finished.then(() => {
            done = true;
          });
          for await (const chunk of tailFile(file, blob.size, finished)) {
            if (!done) early = true;
            chunks.push(chunk as Buffer);
          }
          return { bytes: Buffer.concat(chunks), early };
        })();
      };
      const result = await within(
        60_000,
        'the resumed download',
        swarm.download(
          { digest: blob.digest as Digest, size: blob.size, torrent },
          { direct: opener, onFile },
        ),
      );
      finish(result.path);
      expect((await readFile(result.path)).equals(blob.bytes)).toBe(true);
      const tail = await within(
        10_000,
        'the tailing reader',
        tailed as Promise<{ bytes: Buffer; early: boolean }>,
      );
      expect(tail.early).toBe(true);
      expect(tail.bytes.equals(blob.bytes)).toBe(true);
      expect(result.stats.fromWebSeed).toBeGreaterThan(0);
      expect(result.stats.fromWebSeed).toBeLessThan(blob.size);
      expect(result.stats.fromRegistrySeed).toBeGreaterThan(0);
    } finally {
      await swarm.destroy();
    }
  });
});

describe('direct downloads turned off', () => {
  it('the registry ignores the header and serves the blob as any GET', async () => {
    const registry = await startTestRegistry({ directDownloads: false });
    const tmp = await tempDir();
    try {
      const blob = await writeBlob(tmp.dir, MiB + 5);
      expect(await uploadBlob(registry, REPO, blob)).toBe(201);
      const res = await fetch(`${registry.url}/v2/${REPO}/blobs/${blob.digest}`, {
        headers: { 'Docket-Direct': '1' },
      });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(blob.bytes)).toBe(true);
    } finally {
      await registry.close();
      await tmp.cleanup();
    }
  });
});
