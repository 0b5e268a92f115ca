import { createHash } from 'node:crypto';
import Wire from '@docket/bittorrent-protocol';
import { describe, expect, it } from 'vitest';

/**
 * The message parser of docket's fork of bittorrent-protocol (vendor/bittorrent-protocol;
 * docs/webtorrent-fork.md, change 6): incoming chunks are kept in a list and only a message
 * that spans chunks is copied out. The forked Wire is fed the real bytes of another Wire,
 * split at awkward boundaries.
 */

const BLOCK = 16 * 1024;
const INFO_HASH = 'aa'.repeat(20);
const PEER_ID = Buffer.from('-DKC010-abcdefghijkl').toString('hex');

function block(seed: string, length = BLOCK): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += 32)
    createHash('sha256').update(`${seed}:${at}`).digest().copy(out, at);
  return out;
}

type Event =
  | ['handshake', string, string]
  | ['have', number]
  | ['unchoke']
  | ['keep-alive']
  | ['piece', number, number, string];

const pieces = [block('a'), block('b'), block('c', 1000)];
const expected: Event[] = [
  ['handshake', INFO_HASH, PEER_ID],
  ['have', 3],
  ['unchoke'],
  ['piece', 1, BLOCK, sha(pieces[0]!)],
  ['keep-alive'],
  ['piece', 2, 0, sha(pieces[1]!)],
  ['have', 7],
  ['piece', 9, 2 * BLOCK, sha(pieces[2]!)],
  ['have', 8],
];

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Polls (bounded) until `ready()`, yielding to streamx's own scheduling between tries. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !ready(); i++) await new Promise((r) => setImmediate(r));
  if (!ready()) throw new Error('condition not met in 10000 turns');
}

/** The bytes a sending Wire puts on the connection for the `expected` messages. */
async function senderBytes(): Promise<Buffer> {
  const sender = new Wire();
  const out: Buffer[] = [];
  sender.on('data', (c: Uint8Array) => out.push(Buffer.from(c)));
  sender.handshake(INFO_HASH, PEER_ID, { dht: false });
  sender.have(3);
  sender.unchoke();
  sender.piece(1, BLOCK, pieces[0]!);
  sender.keepAlive();
  sender.piece(2, 0, pieces[1]!);
  sender.have(7);
  sender.piece(9, 2 * BLOCK, pieces[2]!);
  sender.have(8);
  // handshake 68, have 9 each, unchoke 5, keep-alive 4, piece 13 + block each.
  const total = 68 + 3 * 9 + 5 + 4 + 3 * 13 + 2 * BLOCK + 1000;
  await until(() => out.reduce((n, c) => n + c.length, 0) >= total);
  sender.destroy();
  return Buffer.concat(out);
}

/** Feeds `chunks` to a fresh Wire and returns what it parsed. */
async function parse(chunks: Buffer[]): Promise<Event[]> {
  const wire = new Wire();
  const events: Event[] = [];
  wire.on('handshake', (i: string, p: string) => events.push(['handshake', i, p]));
  wire.on('have', (i: number) => events.push(['have', i]));
  wire.on('unchoke', () => events.push(['unchoke']));
  wire.on('keep-alive', () => events.push(['keep-alive']));
  wire.on('piece', (i: number, o: number, b: Uint8Array) => events.push(['piece', i, o, sha(b)]));
  // Pieces are copied by the consumer: a chunk must not be reused under a parsed message.
  for (const c of chunks) wire.write(Buffer.from(c));
  await until(() => events.length >= expected.length);
  wire.destroy();
  return events;
}

function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)];
  return points.map((p, i) => bytes.subarray(p, points[i + 1] ?? bytes.length));
}

describe('bittorrent-protocol parser (docket fork)', () => {
  it('parses every message when all of them come in one chunk', async () => {
    const bytes = await senderBytes();
    expect(await parse([bytes])).toEqual(expected);
  });

  it('parses messages split into 1-byte chunks', async () => {
    const bytes = await senderBytes();
    expect(await parse(splitEvery(bytes, 1))).toEqual(expected);
  }, 30_000);

  it.each([7, 13, 4096, 16_397, 65_536])('parses messages split every %i bytes', async (size) => {
    const bytes = await senderBytes();
    expect(await parse(splitEvery(bytes, size))).toEqual(expected);
  });

  it('parses a piece message split inside its length prefix, header and block', async () => {
    const bytes = await senderBytes();
    const firstPiece = 68 + 9 + 5; // handshake, have, unchoke
    const cuts = [1, 67, 69, firstPiece + 2, firstPiece + 4, firstPiece + 11, firstPiece + 13];
    for (let at = firstPiece + 100; at < firstPiece + 13 + BLOCK; at += 1500) cuts.push(at);
    // The next piece message starts in the chunk that ends the first one.
    cuts.push(firstPiece + 13 + BLOCK + 4 + 20);
    expect(await parse(splitAt(bytes, cuts))).toEqual(expected);
  });

  it('parses random splits', async () => {
    const bytes = await senderBytes();
    let state = 12345;
    const next = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state;
    };
    for (let round = 0; round < 20; round++) {
      const cuts = Array.from({ length: 1 + (next() % 40) }, () => next() % bytes.length);
      expect(await parse(splitAt(bytes, cuts))).toEqual(expected);
    }
  });
});
