import type { Torrent, Wire } from '@docket/webtorrent';
import { PieceRationing, type PieceRationingOptions } from './piece-rationing.js';

/** Bytes the origin keeps on offer to one peer: a pipeline a LAN link stays busy with, small
 * enough that the first peers to connect do not take every piece of a layer. */
const OFFER_BYTES = 2 * 1024 * 1024;
const MIN_OFFERS = 2;
/** How often starving peers are looked for. */
const TICK_MS = 500;

/** Offers for a torrent of `pieceLength`-byte pieces: ~2 MiB per peer, at least 2 pieces. */
export function rationingOptions(pieceLength: number): PieceRationingOptions {
  return {
    perPeer: Math.max(MIN_OFFERS, Math.floor(OFFER_BYTES / pieceLength)),
    starveMs: 3_000,
    offerTimeoutMs: 5_000,
  };
}

/**
 * Makes a seeding torrent ration its pieces (piece-rationing.ts): every wire gets an empty
 * bitfield (BEP 3; BEP 6 `have none` when the peer speaks the fast extension) instead of
 * the full one, then a `have` for each piece offered to it. Must be called right after the
 * torrent is added, before any wire connects; `layout` is its info dictionary's `length`
 * and `piece length`. Returns a function that stops the ticks.
 *
 * Peers ask only for pieces they were told of, so a standard client (webtorrent, aria2c,
 * libtorrent) simply sees a seed that holds few pieces, then more.
 */
export function rationPieces(
  torrent: Torrent,
  layout: { length: number; pieceLength: number },
  opts: PieceRationingOptions = rationingOptions(layout.pieceLength),
): () => void {
  const numPieces = Math.ceil(layout.length / layout.pieceLength);
  const r = new PieceRationing(numPieces, opts);
  // A peer may hold two connections to the seed (one each way): one entry per peer id, and
  // every offer goes out on each of its wires.
  const peers = new Map<string, Set<Wire>>();
  const send = (wire: Wire, indexes: Iterable<number>): void => {
    // Before `ready` webtorrent has not sent the bitfield, which must come first.
    if (wire.destroyed || !torrent.ready) return;
    for (const index of indexes) wire.have(index);
  };
  const offer = (id: string): void => {
    const wires = peers.get(id);
    if (!wires || !torrent.ready) return;
    const offers = r.nextOffers(id, Date.now());
    for (const wire of wires) send(wire, offers);
  };
  const onWire = (wire: Wire): void => {
    // A wire to ourselves, dropped by createTorrentClient.
    if (wire.destroyed) return;
    const id = wire.peerId;
    // Hide the seed's pieces: webtorrent sends its bitfield (or have-all) right after this
    // event, from _onWireWithMetadata.
    const haveNone = wire.haveNone.bind(wire);
    const sendBitfield = wire.bitfield.bind(wire);
    wire.haveAll = () => haveNone();
    wire.bitfield = () => sendBitfield(Buffer.alloc(Math.ceil(numPieces / 8)));
    let wires = peers.get(id);
    if (!wires) {
      wires = new Set();
      peers.set(id, wires);
      r.addPeer(id, Date.now());
    }
    wires.add(wire);
    const reported = (index: number) => r.peerHas(id, index, Date.now());
    wire.on('bitfield', (bitfield: { get(i: number): boolean }) => {
      for (let i = 0; i < numPieces; i++) if (bitfield.get(i)) reported(i);
      offer(id);
    });
    wire.on('have', (index: number) => {
      reported(index);
      offer(id);
    });
    wire.on('have-all', () => {
      for (let i = 0; i < numPieces; i++) reported(i);
    });
    wire.once('close', () => {
      const left = peers.get(id);
      left?.delete(wire);
      if (left?.size === 0) {
        peers.delete(id);
        r.removePeer(id);
      }
    });
    // After the (empty) bitfield, which webtorrent sends in a microtask: what this peer
    // has on offer already (from its other wire), then new offers.
    setImmediate(() => {
      send(wire, r.offeredTo(id));
      offer(id);
    });
  };
  torrent.on('wire', onWire);
  const tick = setInterval(() => {
    for (const id of peers.keys()) offer(id);
  }, TICK_MS);
  tick.unref();
  return () => {
    clearInterval(tick);
    torrent.off('wire', onWire);
  };
}
