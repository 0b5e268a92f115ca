import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import parseTorrent from 'parse-torrent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebTorrent from '@docket/webtorrent';
import { BlobCache } from '../../../client/p2p/blob-cache.js';
import { SwarmClient } from '../../../client/p2p/swarm-client.js';
import {
  createBlobTorrentInfo,
  infoHashOf,
  REGISTRY_PEER_ID_PREFIX,
  renderTorrentFile,
} from '../../../lib/torrent.js';
import { GRANT_RECHECK_MS } from '../../../registry/p2p/seeder.js';
import { signBlob } from '../../../registry/private/signing.js';
import { announce, escapeBytes } from '../../helpers/announce.js';
import { decodeBencode, dictGet } from '../../helpers/bencode.js';
import { freePort } from '../../helpers/http-server.js';
import { startTestRegistry, type TestRegistry, uploadBlob } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { writeBlob } from '../../helpers/test-blob.js';
import { expectOnlyFrom } from '../../helpers/transfer-stats.js';
import { within } from '../../helpers/within.js';
import { expectError } from '../registry/http.js';

const MiB = 1024 * 1024;
/** Peer ids of the raw-protocol peers below (20 characters each). */
const ADMITTED = '-XX0001-admitted0001';
const STRANGER = '-XX0001-stranger0001';

function failureReason(reply: Buffer | undefined): string | undefined {
  const reason = dictGet(decodeBencode(reply ?? Buffer.from('de')), 'failure reason');
  return reason instanceof Uint8Array ? Buffer.from(reason).toString('utf8') : undefined;
}

async function trackerGet(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Compact peers (BEP 23) of an announce reply, as `ip:port`. */
function compactPeers(reply: Buffer | undefined): string[] {
  const peers = dictGet(decodeBencode(reply ?? Buffer.from('de')), 'peers');
  if (!(peers instanceof Uint8Array)) return [];
  const out: string[] = [];
  for (let i = 0; i + 6 <= peers.length; i += 6) {
    const b = Buffer.from(peers.subarray(i, i + 6));
    out.push(`${b[0]}.${b[1]}.${b[2]}.${b[3]}:${b.readUInt16BE(4)}`);
  }
  return out;
}

/**
 * A BitTorrent handshake (BEP 3) sent on a raw TCP connection; what came back until 68
 * bytes (a handshake) arrived or the peer closed the connection.
 */
function handshake(addr: string, infoHash: string, peerId: string): Promise<Buffer> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), host, () => {
      socket.write(
        Buffer.concat([
          Buffer.from([19]),
          Buffer.from('BitTorrent protocol'),
          Buffer.alloc(8),
          Buffer.from(infoHash, 'hex'),
          Buffer.from(peerId, 'latin1'),
        ]),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).length >= 68) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** The repro of issue #11 finding 1, against a real registry started with --auth-reads. */
describe('a private registry (--auth-reads) over BitTorrent', () => {
  let registry: TestRegistry;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let blob: Awaited<ReturnType<typeof writeBlob>>;
  let infoHash: string;
  let torrent: Buffer;
  let parsed: Awaited<ReturnType<typeof parseTorrent>>;
  const auth = () => ({ authorization: `Bearer ${registry.token}` });

  beforeAll(async () => {
    registry = await startTestRegistry({ authReads: true });
    tmp = await tempDir();
    blob = await writeBlob(tmp.dir, 3 * MiB + 333);
    infoHash = (await createBlobTorrentInfo(blob.path, blob.size)).infoHash;
    expect(await uploadBlob(registry, 'private/blob', blob)).toBe(201);
    const res = await fetch(`${registry.url}/docket/v1/blobs/${blob.digest}/torrent`, {
      headers: auth(),
    });
    expect(res.status).toBe(200);
    torrent = Buffer.from(await res.arrayBuffer());
    parsed = await parseTorrent(torrent);
  });
  afterAll(async () => {
    await registry?.close();
    await tmp?.cleanup();
  });

  const client = (name: string) =>
    new SwarmClient({ cache: new BlobCache(join(tmp.dir, name), 1 << 30), stallMs: 60_000 });

  it('tells an anonymous peer nothing: no blob, torrent, scrape or announce', async () => {
    await expectError(
      await fetch(`${registry.url}/v2/private/blob/blobs/${blob.digest}`),
      401,
      'UNAUTHORIZED',
    );
    await expectError(
      await fetch(`${registry.url}/docket/v1/blobs/${blob.digest}`),
      401,
      'UNAUTHORIZED',
    );
    await expectError(
      await fetch(`${registry.url}/docket/v1/blobs/${blob.digest}/torrent`),
      401,
      'UNAUTHORIZED',
    );
    const full = await trackerGet(`${registry.url}/scrape`);
    expect(failureReason(full)).toMatch(/passkey/);
    expect(dictGet(decodeBencode(full), 'files')).toBeUndefined();
    const named = await trackerGet(
      `${registry.url}/scrape?info_hash=${escapeBytes(Buffer.from(infoHash, 'hex'))}`,
    );
    expect(failureReason(named)).toMatch(/passkey/);
    expect(failureReason(await announce(`${registry.url}/announce`, infoHash))).toMatch(/passkey/);
    const forged = `${registry.url}/announce?passkey=1.${'A'.repeat(43)}`;
    expect(failureReason(await announce(forged, infoHash))).toMatch(/passkey/);
  });

  it('a plain webtorrent client with a magnet of the infohash gets no peer and no data', async () => {
    const attacker = new WebTorrent({
      dht: false,
      lsd: false,
      utPex: false,
      utp: false,
      natUpnp: false,
      natPmp: false,
    });
    try {
      const magnet = `magnet:?xt=urn:btih:${infoHash}&tr=${encodeURIComponent(`${registry.url}/announce`)}`;
      const added = attacker.add(magnet, { path: join(tmp.dir, 'attacker') });
      const warning = await within(
        20_000,
        'the tracker refusing the announce',
        new Promise<Error>((resolve) => added.on('warning', (err: Error) => resolve(err))),
      );
      expect(warning.message).toMatch(/passkey/);
      expect(added.numPeers).toBe(0);
      expect(added.downloaded).toBe(0);
    } finally {
      await new Promise<void>((resolve) => attacker.destroy(() => resolve()));
    }
  });

  it('serves an authenticated client a passkey announce URL and a signed web seed, same infohash', () => {
    expect(parsed.infoHash).toBe(infoHash);
    expect(infoHashOf(Buffer.from(parsed.infoBuffer as Uint8Array))).toBe(infoHash);
    expect(parsed.announce).toHaveLength(1);
    expect(parsed.announce[0]).toMatch(
      new RegExp(`^${registry.url}/announce\\?passkey=1\\.[A-Za-z0-9_-]{43}$`),
    );
    expect(parsed.urlList).toHaveLength(1);
    expect(parsed.urlList[0]).toMatch(
      new RegExp(
        `^${registry.url}/docket/v1/blobs/${blob.digest}\\?expires=[0-9]+&token=[0-9]+&sig=[A-Za-z0-9_-]{43}$`,
      ),
    );
  });

  it('the seeder closes the wire of a peer that did not announce with a passkey', async () => {
    const passkeyAnnounce = parsed.announce[0] as string;
    const port = await freePort();
    let seeder: string | undefined;
    const deadline = Date.now() + 20_000;
    while (seeder === undefined && Date.now() < deadline) {
      const reply = await announce(passkeyAnnounce, infoHash, { peerId: ADMITTED, port });
      expect(failureReason(reply)).toBeUndefined();
      seeder = compactPeers(reply).find((p) => p !== `127.0.0.1:${port}`);
      if (seeder === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    if (seeder === undefined) throw new Error('the registry seeder never joined the swarm');
    const refused = await within(
      10_000,
      'stranger handshake',
      handshake(seeder, infoHash, STRANGER),
    );
    expect(refused.length).toBe(0);
    const answered = await within(
      10_000,
      'admitted handshake',
      handshake(seeder, infoHash, ADMITTED),
    );
    expect(answered.length).toBeGreaterThanOrEqual(68);
    expect(answered.subarray(28, 48).toString('hex')).toBe(infoHash);
  });

  // Security audit finding 7: a grant lasted 30 minutes after the announce, whatever
  // became of the token since.
  it('the seeder stops serving a peer whose token was revoked, at its next wire', async () => {
    const made = await fetch(`${registry.url}/docket/v1/tokens`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ name: 'seeder-grant', scopes: ['pull:**'] }),
    });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    const res = await fetch(`${registry.url}/docket/v1/blobs/${blob.digest}/torrent`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const announceUrl = (await parseTorrent(Buffer.from(await res.arrayBuffer())))
      .announce[0] as string;
    const peerId = '-XX0001-revoked00001';
    const port = await freePort();
    // The swarm may also list peers earlier tests announced without listening: the seeder
    // is the peer that answers the handshake.
    let seeder: string | undefined;
    const deadline = Date.now() + 20_000;
    while (seeder === undefined && Date.now() < deadline) {
      const reply = await announce(announceUrl, infoHash, { peerId, port });
      expect(failureReason(reply)).toBeUndefined();
      for (const peer of compactPeers(reply).filter((p) => p !== `127.0.0.1:${port}`)) {
        const answered = await within(
          10_000,
          'handshake',
          handshake(peer, infoHash, peerId).catch(() => Buffer.alloc(0)),
        );
        if (answered.length >= 68) {
          seeder = peer;
          break;
        }
      }
      if (seeder === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    if (seeder === undefined) throw new Error('the registry seeder never answered a handshake');

    const revoked = await fetch(`${registry.url}/docket/v1/tokens/seeder-grant`, {
      method: 'DELETE',
      headers: auth(),
    });
    expect(revoked.status).toBe(204);
    const after = await within(10_000, 'handshake', handshake(seeder, infoHash, peerId));
    expect(after.length).toBe(0);
  });

  // Issue #25: a peer in the middle of a download, on a wire that is already open.
  it('revoking a scoped token closes its peer’s open wire at once; its passkey stops announcing', async () => {
    const made = await fetch(`${registry.url}/docket/v1/tokens`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ name: 'open-wire', scopes: ['pull:private/*'] }),
    });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    const res = await fetch(`${registry.url}/docket/v1/blobs/${blob.digest}/torrent`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const served = await parseTorrent(Buffer.from(await res.arrayBuffer()));
    const announceUrl = served.announce[0] as string;
    // The seeder only: no web seed to fall back on.
    const seederOnly = renderTorrentFile(Buffer.from(served.infoBuffer as Uint8Array), {
      announce: [announceUrl],
      urlList: [],
    });
    // Slow enough that the download is still running when the token is revoked.
    const peer = new WebTorrent({
      dht: false,
      lsd: false,
      utPex: false,
      utp: false,
      natUpnp: false,
      natPmp: false,
      downloadLimit: 64 * 1024,
    });
    try {
      const torrent = peer.add(seederOnly, { path: join(tmp.dir, 'open-wire') });
      const seederWire = await within(
        20_000,
        'a wire to the registry seeder',
        new Promise<import('@docket/webtorrent').Wire>((resolve) =>
          torrent.on('wire', (wire: import('@docket/webtorrent').Wire) => {
            const id = Buffer.from(wire.peerId, 'hex').toString('latin1');
            if (id.startsWith(REGISTRY_PEER_ID_PREFIX)) resolve(wire);
          }),
        ),
      );
      await within(
        20_000,
        'the first piece data from the seeder',
        new Promise<void>((resolve) => torrent.once('download', () => resolve())),
      );
      expect(seederWire.destroyed).toBe(false);
      const closed = new Promise<number>((resolve) =>
        seederWire.once('close', () => resolve(Date.now())),
      );

      const revokedAt = Date.now();
      const revoked = await fetch(`${registry.url}/docket/v1/tokens/open-wire`, {
        method: 'DELETE',
        headers: auth(),
      });
      expect(revoked.status).toBe(204);
      // At once through the API (else within GRANT_RECHECK_MS, the periodic check).
      const closedAt = await within(
        GRANT_RECHECK_MS + 2_000,
        'the seeder closing the open wire',
        closed,
      );
      expect(closedAt - revokedAt).toBeLessThan(1_000);
      expect(torrent.downloaded).toBeLessThan(blob.size);

      const reply = await announce(announceUrl, infoHash, {
        peerId: '-XX0001-openwire0001',
        port: await freePort(),
      });
      expect(failureReason(reply)).toMatch(/passkey/);
    } finally {
      await new Promise<void>((resolve) => peer.destroy(() => resolve()));
    }
  });

  it('a SwarmClient (docket pull) downloads from the seeder with the served torrent', async () => {
    const swarm = client('a');
    try {
      const result = await within(
        30_000,
        'download via the passkey swarm',
        swarm.download({ digest: blob.digest, size: blob.size, torrent }),
      );
      expectOnlyFrom(result.stats, 'fromRegistrySeed', blob.size);
      expect((await readFile(result.path)).equals(blob.bytes)).toBe(true);
    } finally {
      await swarm.destroy();
    }
  });

  it('falls back to the signed web seed URL when the tracker is down', async () => {
    const info = Buffer.from(parsed.infoBuffer as Uint8Array);
    const dead = `http://127.0.0.1:${await freePort()}/announce`;
    const viaWebSeed = renderTorrentFile(info, { announce: [dead], urlList: parsed.urlList });
    const swarm = client('b');
    try {
      const result = await within(
        30_000,
        'download via the signed web seed',
        swarm.download({ digest: blob.digest, size: blob.size, torrent: viaWebSeed }),
      );
      expectOnlyFrom(result.stats, 'fromWebSeed', blob.size);
    } finally {
      await swarm.destroy();
    }
  });

  it('answers a scrape with a passkey for named infohashes only', async () => {
    const scrapeUrl = (parsed.announce[0] as string).replace('/announce?', '/scrape?');
    const named = await trackerGet(
      `${scrapeUrl}&info_hash=${escapeBytes(Buffer.from(infoHash, 'hex'))}`,
    );
    expect(failureReason(named)).toBeUndefined();
    expect(dictGet(decodeBencode(named), 'files')).toBeDefined();
    expect(failureReason(await trackerGet(scrapeUrl))).toMatch(/full scrape/);
  });

  it('refuses expired and forged signed URLs with OCI error codes', async () => {
    const url = `${registry.url}/docket/v1/blobs/${blob.digest}`;
    const signed = parsed.urlList[0] as string;
    const ok = await fetch(signed, { headers: { range: 'bytes=0-9' } });
    expect(ok.status).toBe(206);
    expect(Buffer.from(await ok.arrayBuffer()).equals(blob.bytes.subarray(0, 10))).toBe(true);

    const secret = Buffer.from(
      (await readFile(join(registry.dataDir, 'server-secret'), 'utf8')).trim(),
      'base64url',
    );
    const token = new URL(signed).searchParams.get('token') as string;
    const db = new Database(join(registry.dataDir, 'docket.db'), { readonly: true });
    const tokenSecret = (
      db.prepare('SELECT secret FROM tokens WHERE id = ?').get(Number(token)) as { secret: string }
    ).secret;
    db.close();
    const sign = (digest: string, expires: number) =>
      `token=${token}&sig=${signBlob(secret, digest, expires, Number(token), tokenSecret)}`;
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = `${url}?expires=${past}&${sign(blob.digest, past)}`;
    await expectError(await fetch(expired), 401, 'UNAUTHORIZED');

    const expires = new URL(signed).searchParams.get('expires') as string;
    await expectError(
      await fetch(`${url}?expires=${expires}&token=${token}&sig=${'A'.repeat(43)}`),
      403,
      'DENIED',
    );
    const later = `${url}?expires=${Number(expires) + 1}&token=${token}&sig=${new URL(signed).searchParams.get('sig')}`;
    await expectError(await fetch(later), 403, 'DENIED');
    const other = `sha256:${'0'.repeat(64)}`;
    const elsewhere = `${registry.url}/docket/v1/blobs/${other}?expires=${expires}&${sign(blob.digest, Number(expires))}`;
    await expectError(await fetch(elsewhere), 403, 'DENIED');
    await expectError(await fetch(`${url}?expires=${expires}`), 403, 'DENIED');
  });
});

describe('a public registry over BitTorrent', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({ maxPeersPerIp: 2 });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('lets one address be at most maxPeersPerIp peers of a swarm', async () => {
    const tmp = await tempDir();
    try {
      const blob = await writeBlob(tmp.dir, 1000);
      expect(await uploadBlob(registry, 'public/blob', blob)).toBe(201);
      const { infoHash } = await createBlobTorrentInfo(blob.path, blob.size);
      const url = `${registry.url}/announce`;
      const as = (n: number, port: number) =>
        announce(url, infoHash, { peerId: `-XX0001-peer${String(n).padStart(8, '0')}`, port });
      // The first announce makes the registry seed (also on 127.0.0.1) join the swarm:
      // with it, this address holds the 2 peers allowed.
      expect(failureReason(await as(1, 40001))).toBeUndefined();
      const scrapeUrl = `${registry.url}/scrape?info_hash=${escapeBytes(Buffer.from(infoHash, 'hex'))}`;
      const swarmSize = async () => {
        const files = dictGet(decodeBencode(await trackerGet(scrapeUrl)), 'files');
        const stats = Object.values((files ?? {}) as Record<string, unknown>)[0];
        return Number(dictGet(stats, 'complete') ?? 0) + Number(dictGet(stats, 'incomplete') ?? 0);
      };
      const deadline = Date.now() + 20_000;
      while ((await swarmSize()) < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(await swarmSize()).toBe(2);
      expect(failureReason(await as(2, 40002))).toMatch(/too many peers/);
      // A peer already in the swarm keeps re-announcing.
      expect(failureReason(await as(1, 40001))).toBeUndefined();
      // The full scrape stays open on a public tracker.
      const full = await trackerGet(`${registry.url}/scrape`);
      expect(failureReason(full)).toBeUndefined();
      expect(dictGet(decodeBencode(full), 'files')).toBeDefined();
    } finally {
      await tmp.cleanup();
    }
  });
});
