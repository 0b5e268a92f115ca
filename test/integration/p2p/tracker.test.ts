import { join } from 'node:path';
import Client from 'bittorrent-tracker';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import { makePeerId, renderTorrentFile } from '../../../lib/torrent.js';
import { createEmbeddedTracker } from '../../../tracker/embedded.js';
import { startStandaloneTracker } from '../../../tracker/standalone.js';
import { announceOnce, escapeBytes } from '../../helpers/announce.js';
import { decodeBencode, dictGet, dictKeyBytes } from '../../helpers/bencode.js';
import { startHttp } from '../../helpers/http-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testLogger } from '../../helpers/test-logger.js';
import { expectOnlyFrom } from '../../helpers/transfer-stats.js';
import { within } from '../../helpers/within.js';
import { startRegistryFixture } from './fixture.js';

/** Infohashes with bytes ≥ 0x80, which a latin1→UTF-8 mix-up turns into two bytes each. */
const HASH_A = 'ff80c3a9'.repeat(5);
const HASH_B = '0102fe7f'.repeat(5);
const HASH_UNKNOWN = '9a'.repeat(20);

type AnnounceOutcome =
  | { kind: 'update'; complete: number; incomplete: number }
  | { kind: 'warning'; message: string };

/** A bittorrent-tracker client announcing `infoHash` as a peer on `port`. */
function trackerClient(
  announce: string,
  infoHash: string,
  port: number,
  peerId = makePeerId('-XX'),
) {
  const client = new Client({ infoHash, peerId, announce: [announce], port });
  const peers: string[] = [];
  client.on('peer', (addr: string) => peers.push(addr));
  client.on('error', () => {});
  const outcome = new Promise<AnnounceOutcome>((resolve) => {
    client.once('update', (d: { complete: number; incomplete: number }) =>
      resolve({ kind: 'update', complete: d.complete, incomplete: d.incomplete }),
    );
    client.once('warning', (err: Error) => resolve({ kind: 'warning', message: err.message }));
  });
  client.start();
  return { client, peers, outcome: within(10_000, `announce to ${announce}`, outcome) };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('embedded tracker', () => {
  async function mount(known: string[]) {
    const seen: string[] = [];
    const tracker = createEmbeddedTracker({
      filter: (h) => known.includes(h),
      onAnnounce: (h) => seen.push(h),
      logger: testLogger(),
    });
    const host = await startHttp((req, res) => {
      res.statusCode = 200;
      tracker.handle(req, res);
    });
    cleanups.push(
      () => host.close(),
      () => tracker.close(),
    );
    return { tracker, host, seen, announce: `${host.url}/announce` };
  }

  it('answers a scrape with 20-byte infohash keys', async () => {
    const { host, announce } = await mount([HASH_A, HASH_B]);
    const a = trackerClient(announce, HASH_A, 40001);
    const b = trackerClient(announce, HASH_B, 40002);
    cleanups.push(
      () => a.client.destroy(),
      () => b.client.destroy(),
    );
    expect((await a.outcome).kind).toBe('update');
    expect((await b.outcome).kind).toBe('update');

    const res = await fetch(
      `${host.url}/scrape?info_hash=${escapeBytes(Buffer.from(HASH_A, 'hex'))}`,
    );
    const body = Buffer.from(await res.arrayBuffer());
    const files = dictGet(decodeBencode(body), 'files');
    expect(files).toBeTypeOf('object');
    const fileKeys = dictKeyBytes(files, body);
    expect(fileKeys).toHaveLength(1);
    const [key] = fileKeys as [Buffer];
    expect(key.length).toBe(20);
    expect(key.toString('hex')).toBe(HASH_A);
    const stats = Object.values(files as Record<string, unknown>)[0];
    expect(dictGet(stats, 'incomplete')).toBe(1);

    const allBody = Buffer.from(await (await fetch(`${host.url}/scrape`)).arrayBuffer());
    const allFiles = dictGet(decodeBencode(allBody), 'files');
    const keys = dictKeyBytes(allFiles, allBody).map((k) => k.toString('hex'));
    // BEP 3: dictionary keys sorted as raw bytes.
    expect(keys).toEqual([HASH_B, HASH_A]);
  });

  it('answers announces with compact peers (BEP 23), even when compact=0 is asked', async () => {
    const { announce } = await mount([HASH_A]);
    const first = trackerClient(announce, HASH_A, 40006);
    cleanups.push(() => first.client.destroy());
    expect((await first.outcome).kind).toBe('update');
    const peerId = escapeBytes(Buffer.from('-XX0001-\xff\xfe\x80abcdefghi', 'latin1'));
    const url = `${announce}?info_hash=${escapeBytes(Buffer.from(HASH_A, 'hex'))}&peer_id=${peerId}&port=40007&left=5&compact=0`;
    const reply = decodeBencode(Buffer.from(await (await fetch(url)).arrayBuffer()));
    const peers = dictGet(reply, 'peers');
    // A byte string (compact), not a list of dictionaries.
    expect(peers).toBeInstanceOf(Uint8Array);
    // 6 bytes per IPv4 peer: 127.0.0.1 and the port, network byte order.
    const hex = Buffer.from(peers as Uint8Array).toString('hex');
    expect(hex.length % 12).toBe(0);
    expect(hex).toContain(`7f000001${(40006).toString(16).padStart(4, '0')}`);
  });

  it('refuses unknown infohashes and reports accepted announces', async () => {
    const { tracker, announce, seen } = await mount([HASH_A]);
    const refused = trackerClient(announce, HASH_UNKNOWN, 40003);
    const registrySeed = trackerClient(announce, HASH_A, 40004, makePeerId('-DKR'));
    cleanups.push(
      () => refused.client.destroy(),
      () => registrySeed.client.destroy(),
    );
    expect((await refused.outcome).kind).toBe('warning');
    expect((await registrySeed.outcome).kind).toBe('update');
    // The registry seed's own announce does not count as demand.
    expect(seen).toEqual([]);
    const peer = trackerClient(announce, HASH_A, 40005);
    cleanups.push(() => peer.client.destroy());
    expect(await peer.outcome).toEqual({ kind: 'update', complete: 0, incomplete: 2 });
    expect(seen).toEqual([HASH_A]);
    expect(tracker.stats()).toEqual({ torrents: 1, peers: 2 });
  });
});

describe('standalone tracker', () => {
  async function start(opts: Partial<Parameters<typeof startStandaloneTracker>[0]> = {}) {
    const tracker = await startStandaloneTracker({
      httpPort: 0,
      udpPort: 0,
      host: '127.0.0.1',
      logger: testLogger(),
      ...opts,
    });
    cleanups.push(() => tracker.close());
    return tracker;
  }

  it('serves one swarm over HTTP and UDP, with a stats page', async () => {
    const tracker = await start();
    expect(tracker.udpUrl).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
    const overUdp = trackerClient(tracker.udpUrl as string, HASH_A, 40011);
    cleanups.push(() => overUdp.client.destroy());
    expect((await overUdp.outcome).kind).toBe('update');
    const overHttp = trackerClient(tracker.httpUrl, HASH_A, 40012);
    cleanups.push(() => overHttp.client.destroy());
    expect(await overHttp.outcome).toEqual({ kind: 'update', complete: 0, incomplete: 2 });
    expect(overHttp.peers).toContain('127.0.0.1:40011');

    const base = tracker.httpUrl.replace(/\/announce$/, '');
    const stats = (await (await fetch(`${base}/stats.json`)).json()) as {
      torrents: number;
      peers: number;
    };
    expect(stats).toMatchObject({ torrents: 1, peers: 2 });
    const html = await (await fetch(`${base}/stats`)).text();
    expect(html).toContain('1 torrents, 2 peers');
    expect(html).toContain(HASH_A);
  });

  it('binds UDP for both families when no host is given', async () => {
    const tracker = await start({ host: undefined });
    const client = trackerClient(tracker.udpUrl as string, HASH_B, 40013);
    cleanups.push(() => client.client.destroy());
    expect((await client.outcome).kind).toBe('update');
  });

  it('allows only the infohashes a registry lists, picking up new ones', async () => {
    const listed = [HASH_A];
    const registry = await startHttp((req, res) => {
      if (req.url !== '/docket/v1/infohashes') {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ infoHashes: listed }));
    });
    cleanups.push(() => registry.close());
    const tracker = await start({ whitelistFrom: registry.url });
    expect(await announceOnce(tracker.httpUrl, HASH_A)).not.toContain('failure reason');
    expect(await announceOnce(tracker.httpUrl, HASH_B)).toContain('failure reason');
    listed.push(HASH_B);
    // A miss refreshes the list at most every 2 s: poll, bounded.
    let reply = '';
    for (let i = 0; i < 50 && !reply.startsWith('d8:complete'); i++) {
      reply = await announceOnce(tracker.httpUrl, HASH_B);
      if (!reply.startsWith('d8:complete')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(reply).not.toContain('failure reason');
    expect(
      registry.requests.filter((r) => r === 'GET /docket/v1/infohashes').length,
    ).toBeGreaterThan(1);
  });

  it('brings webtorrent peers together over UDP', async () => {
    const tracker = await start();
    const udp = tracker.udpUrl as string;
    const registry = await startRegistryFixture({ announce: [udp] });
    const tmp = await tempDir();
    cleanups.push(
      () => tmp.cleanup(),
      () => registry.close(),
    );
    const blob = await registry.addBlob(600 * 1024, { announce: [udp] });
    await registry.seeder.seed(blob);
    const client = new SwarmClient({
      cache: new BlobCache(join(tmp.dir, 'cache'), 1 << 30),
      stallMs: 60_000,
    });
    cleanups.push(() => client.destroy());
    const torrent = renderTorrentFile(blob.info, { announce: [udp], urlList: [] });
    const result = await within(
      30_000,
      'download over UDP tracker',
      client.download({ ...blob, torrent }),
    );
    expectOnlyFrom(result.stats, 'fromRegistrySeed', blob.size);
  });
});

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
