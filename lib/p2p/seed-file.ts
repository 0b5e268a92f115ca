import { dirname } from 'node:path';
import type WebTorrent from '@docket/webtorrent';
import type { Torrent } from '@docket/webtorrent';
import { fileStore } from './file-store.js';

/**
 * Pieces of one seeded torrent kept in memory (webtorrent's cache-chunk-store): without
 * one, every 16 KiB block request was a file read ('read' was the top cost after GC in
 * `npm run bench --profile`). Two is enough when each piece goes to one peer at a time
 * (the rationing seed) and bounds the registry's memory to 2 pieces per active torrent.
 */
export const SEED_PIECE_CACHE_SLOTS = 2;

export interface SeedFileOptions {
  /** The complete file of the single-file torrent: seeded in place, opened read-only. */
  filePath: string;
  /** Errors of the torrent once it is seeding (before that they reject the promise). */
  onError(err: Error): void;
  /** Called with the torrent as soon as it is added, before any peer connects. */
  onAdd?(torrent: Torrent): void;
}

/**
 * Seeds a file in place with its torrent (a .torrent file, or one parsed by
 * parse-torrent): the one way the registry's seeder and the client seed a blob. Pieces
 * are not re-hashed (`skipVerify`): the caller checked the file's sha256 against the
 * blob's digest, which covers every piece. A small piece cache: peers ask for a piece in
 * 16 KiB blocks, and one read of the whole piece then serves them all.
 * The torrent's url-list should be empty, a seed needs no web seed. Resolves with the
 * torrent once it is ready; rejects with the torrent's error if it fails before.
 */
export function seedFile(
  client: WebTorrent,
  torrent: Uint8Array | object,
  opts: SeedFileOptions,
): Promise<Torrent> {
  return new Promise<Torrent>((resolve, reject) => {
    const seeded = client.add(torrent, {
      path: dirname(opts.filePath),
      store: fileStore({ filePath: opts.filePath, readOnly: true }),
      storeCacheSlots: SEED_PIECE_CACHE_SLOTS,
      skipVerify: true,
    });
    opts.onAdd?.(seeded);
    seeded.once('error', reject);
    seeded.once('ready', () => {
      seeded.off('error', reject);
      seeded.on('error', (err: Error) => opts.onError(err));
      resolve(seeded);
    });
  });
}
