import { randomBytes } from 'node:crypto';
import Piece from '@docket/torrent-piece';
import { describe, expect, it } from 'vitest';

/**
 * docket's fork of torrent-piece (vendor/torrent-piece; docs/webtorrent-fork.md, changes 4
 * and 5): blocks are copied into one piece buffer as they arrive, and reservable() tells
 * whether reserve() would give a block.
 */

const BLOCK = Piece.BLOCK_LENGTH;

describe('torrent-piece (docket fork)', () => {
  it('flushes the blocks in piece order, whatever order they came in', () => {
    const length = 3 * BLOCK + 100;
    const bytes = randomBytes(length);
    const piece = new Piece(length);
    const blockOf = (i: number) => bytes.subarray(i * BLOCK, Math.min(length, (i + 1) * BLOCK));
    expect(piece.set(3, blockOf(3), 'peer-a')).toBe(false);
    expect(piece.set(0, blockOf(0), 'peer-b')).toBe(false);
    // A second copy of a block already held is ignored, even if its bytes differ.
    expect(piece.set(0, randomBytes(BLOCK), 'peer-c')).toBe(false);
    expect(piece.get(0)).toEqual(blockOf(0));
    expect(piece.get(1)).toBeNull();
    expect(piece.flush()).toBeNull();
    expect(piece.set(2, blockOf(2), 'peer-a')).toBe(false);
    expect(piece.set(1, blockOf(1), 'peer-a')).toBe(true);
    expect(piece.missing).toBe(0);
    expect(Buffer.from(piece.flush() ?? [])).toEqual(bytes);
    expect(piece.flush()).toBeNull();
  });

  it('takes a multi-block chunk (a web seed range) at once', () => {
    const length = 2 * BLOCK + 5;
    const bytes = randomBytes(length);
    const piece = new Piece(length);
    expect(piece.set(0, bytes, 'web-seed')).toBe(true);
    expect(Buffer.from(piece.flush() ?? [])).toEqual(bytes);
  });

  it('is reservable exactly while reserve() gives a block', () => {
    const piece = new Piece(2 * BLOCK);
    expect(piece.reservable()).toBe(true);
    expect(piece.reserve()).toBe(0);
    expect(piece.reservable()).toBe(true);
    expect(piece.reserve()).toBe(1);
    expect(piece.reservable()).toBe(false);
    expect(piece.reserve()).toBe(-1);
    piece.cancel(1);
    expect(piece.reservable()).toBe(true);
    expect(piece.reserve()).toBe(1);
    piece.set(0, randomBytes(BLOCK), 'a');
    piece.set(1, randomBytes(BLOCK), 'a');
    piece.flush();
    expect(piece.reservable()).toBe(false);
    expect(piece.reserve()).toBe(-1);
  });
});
