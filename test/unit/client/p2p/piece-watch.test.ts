import { EventEmitter } from 'node:events';
import type { Wire } from '@docket/webtorrent';
import { describe, expect, it } from 'vitest';
import { PieceWatch } from '../../../../client/p2p/piece-watch.js';
import { PieceVerificationError } from '../../../../lib/errors.js';

/** Just what PieceWatch reads of a wire: its type and its 'piece' events. */
const wire = (type = 'tcpOutgoing'): Wire => Object.assign(new EventEmitter(), { type }) as Wire;

function setup() {
  const banned: Wire[] = [];
  const watch = new PieceWatch({
    digest: 'sha256:x',
    maxFailures: 3,
    windowMs: 30_000,
    onBan: (w) => banned.push(w),
  });
  /** `senders` each send a block of `index`; then the piece fails or verifies. */
  const send = (index: number, senders: Wire[]) => {
    for (const w of senders) w.emit('piece', index);
  };
  return { watch, banned, send };
}

describe('PieceWatch bans', () => {
  it('bans a peer that sent 3 failed pieces and no verified one, while a good peer is left', () => {
    const { watch, banned, send } = setup();
    const [bad, good] = [wire(), wire()];
    for (const w of [bad, good]) watch.watchWire(w);
    for (const piece of [1, 2, 3]) {
      send(piece, [bad]);
      expect(watch.failed(piece, [bad, good])).toBeUndefined();
    }
    expect(banned).toEqual([bad]);
  });

  it('does not ban a peer that also sent a piece that verified', () => {
    const { watch, banned, send } = setup();
    const [mixed, other] = [wire(), wire()];
    for (const w of [mixed, other]) watch.watchWire(w);
    send(0, [mixed]);
    watch.verified(0);
    for (const piece of [1, 2, 3]) {
      send(piece, [mixed]);
      watch.failed(piece, [mixed, other]);
    }
    expect(banned).toEqual([]);
  });

  it('keeps the last source and fails the download instead', () => {
    const { watch, banned, send } = setup();
    const bad = wire();
    watch.watchWire(bad);
    let err: PieceVerificationError | undefined;
    for (let i = 0; i < 3; i++) {
      send(7, [bad]);
      err = watch.failed(7, [bad]);
    }
    expect(err).toBeInstanceOf(PieceVerificationError);
    expect(banned).toEqual([]);
  });

  it('does not blame the web seed for a piece a peer sent blocks of: the bad peer goes', () => {
    const { watch, banned, send } = setup();
    const [bad, web] = [wire(), wire('webSeed')];
    for (const w of [bad, web]) watch.watchWire(w);
    watch.webSeedAdded();
    for (let i = 0; i < 3; i++) {
      send(4, [bad, web]);
      expect(watch.failed(4, [bad, web])).toBeUndefined();
    }
    expect(banned).toEqual([bad]);
  });

  it('gives up when the web seed alone sends bad pieces', () => {
    const { watch, send } = setup();
    const web = wire('webSeed');
    watch.watchWire(web);
    watch.webSeedAdded();
    let err: PieceVerificationError | undefined;
    for (let i = 0; i < 3; i++) {
      send(2, [web]);
      err = watch.failed(2, [web]);
    }
    expect(err).toBeInstanceOf(PieceVerificationError);
  });
});
