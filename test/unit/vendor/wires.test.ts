import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebTorrent, { type Torrent } from '@docket/webtorrent';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The fork's wire bookkeeping (docs/webtorrent-fork.md), on real clients over loopback TCP:
 * one wire per remote peer, and a peer's `have` messages still make it a source.
 */

const PIECE = 64 * 1024;
const OFF = { dht: false, lsd: false, utp: false, natUpnp: false, natPmp: false, tracker: false };

const clients: WebTorrent[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => new Promise<void>((r) => c.destroy(() => r()))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function client(opts: object = {}): WebTorrent {
  const c = new WebTorrent({ ...OFF, ...opts });
  clients.push(c);
  return c;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'docket-wires-'));
  dirs.push(d);
  return d;
}

async function listening(c: WebTorrent): Promise<number> {
  for (let i = 0; i < 200 && !c.address(); i++) await new Promise((r) => setTimeout(r, 10));
  const address = c.address();
  if (!address) throw new Error('client not listening');
  return address.port;
}

/** A seeded random blob; resolves with its torrent (metadata included). */
async function seed(bytes: number): Promise<{ seeder: WebTorrent; torrent: Torrent }> {
  const dir = tempDir();
  const file = join(dir, 'blob');
  writeFileSync(file, randomBytes(bytes));
  const seeder = client();
  const torrent = await new Promise<Torrent>((resolve) =>
    seeder.seed(file, { pieceLength: PIECE, announceList: [] } as object, resolve),
  );
  return { seeder, torrent };
}

/** The .torrent bytes webtorrent keeps (not in docket's webtorrent types). */
const torrentFile = (t: Torrent) => (t as unknown as { torrentFile: Uint8Array }).torrentFile;

function add(c: WebTorrent, torrentFile: Uint8Array): Torrent {
  return c.add(torrentFile, { path: tempDir(), announce: [] });
}

const done = (t: Torrent) =>
  t.done ? Promise.resolve() : new Promise<void>((r) => t.once('done', () => r()));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('webtorrent fork: wires', () => {
  it('keeps one wire when two peers dial each other, the same one at both ends', async () => {
    const { torrent: seeded } = await seed(8 * PIECE);
    const a = client();
    const b = client();
    const ta = add(a, torrentFile(seeded));
    const tb = add(b, torrentFile(seeded));
    const [portA, portB] = await Promise.all([listening(a), listening(b)]);
    ta.addPeer(`127.0.0.1:${portB}`);
    tb.addPeer(`127.0.0.1:${portA}`);
    // Both dials complete their handshakes; upstream then kept two wires at each end.
    await until(
      () =>
        ta.wires.some((w) => w.peerId === b.peerId) && tb.wires.some((w) => w.peerId === a.peerId),
      'the handshakes',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ta.wires.filter((w) => w.peerId === b.peerId)).toHaveLength(1);
    expect(tb.wires.filter((w) => w.peerId === a.peerId)).toHaveLength(1);
    // Both ends kept the connection dialed by the peer with the smaller peer id.
    const dialer = a.peerId < b.peerId ? ta : tb;
    const listener = dialer === ta ? tb : ta;
    expect(dialer.wires[0]?.type).toBe('tcpOutgoing');
    expect(listener.wires[0]?.type).toBe('tcpIncoming');
  });

  it('fetches from a peer that only gains pieces while connected (its have messages)', async () => {
    const { seeder, torrent: seeded } = await seed(16 * PIECE);
    // middle downloads from the seed; last is connected to middle only, so every piece
    // it gets was announced to it by a `have` from middle.
    const middle = client({ downloadLimit: 200 * 1024 });
    const last = client();
    const tm = add(middle, torrentFile(seeded));
    const tl = add(last, torrentFile(seeded));
    const [portMiddle, portSeed] = await Promise.all([listening(middle), listening(seeder)]);
    tl.addPeer(`127.0.0.1:${portMiddle}`);
    await until(() => tl.wires.length === 1, 'last to connect to middle');
    tm.addPeer(`127.0.0.1:${portSeed}`);
    await Promise.all([done(tm), done(tl)]);
    expect(tl.wires.map((w) => w.peerId)).toEqual([middle.peerId]);
    expect(tl.downloaded).toBe(seeded.length);
  });
});
