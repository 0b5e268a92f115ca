import { PassThrough, type Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { directTurns } from '../../../../client/fetch/direct-turns.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('directTurns (one direct download at a time, in the order asked)', () => {
  it('opens the next body only once the previous one has closed, in turn order', async () => {
    const take = directTurns();
    const [t1, t2, t3] = [take(), take(), take()];
    const opened: number[] = [];
    const bodies = [new PassThrough(), new PassThrough(), new PassThrough()];
    const open = (i: number) => async (): Promise<Readable> => {
      opened.push(i);
      return bodies[i - 1]!;
    };
    // Asked out of order: turn 3 and 2 before 1.
    const third = t3.open(open(3));
    const second = t2.open(open(2));
    await tick();
    expect(opened).toEqual([]);
    await t1.open(open(1));
    await tick();
    expect(opened).toEqual([1]);
    bodies[0]!.end();
    bodies[0]!.resume();
    await second;
    expect(opened).toEqual([1, 2]);
    // A body that fails also gives the turn on.
    bodies[1]!.destroy(new Error('cut'));
    await third;
    expect(opened).toEqual([1, 2, 3]);
  });

  it('passes the turn on when it is released unused, or the opener answers undefined or fails', async () => {
    const take = directTurns();
    const [unused, denied, failed, last] = [take(), take(), take(), take()];
    unused.release();
    expect(await denied.open(async () => undefined)).toBeUndefined();
    await expect(
      failed.open(async () => {
        throw new Error('registry unreachable');
      }),
    ).rejects.toThrow('registry unreachable');
    const body = new PassThrough();
    expect(await last.open(async () => body)).toBe(body);
  });

  it('keeps the turn while a body holds it, even when released', async () => {
    const take = directTurns();
    const [first, second] = [take(), take()];
    const body = new PassThrough();
    await first.open(async () => body);
    first.release();
    let opened = false;
    const next = second.open(async () => {
      opened = true;
      return undefined;
    });
    await tick();
    expect(opened).toBe(false);
    body.destroy();
    await next;
    expect(opened).toBe(true);
  });
});
