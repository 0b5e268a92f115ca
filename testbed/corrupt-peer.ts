import { readFileSync } from 'node:fs';
import { seedFile } from '../lib/p2p/seed-file.js';
import { createTorrentClient } from '../lib/p2p/torrent-client.js';
import { CLIENT_PEER_ID_PREFIX } from '../lib/torrent.js';

/**
 * A BitTorrent peer that answers every piece request with wrong bytes: a real webtorrent
 * client seeding `<file>` (random bytes of the blob's size) under `<torrent>` without
 * checking it (skipVerify), so it claims every piece. Runs as its own process, announces
 * to the torrent's trackers, prints `listening <port>` and then `uploaded <bytes>` as it
 * sends; stops on SIGTERM/SIGINT. With `--silent` it answers no request at all (a hung
 * host): it still claims every piece and unchokes, and the requests wait forever.
 *
 *   node dist/testbed/corrupt-peer.js [--silent] <torrent> <file>
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const silent = args[0] === '--silent';
  const [torrentPath, filePath] = silent ? args.slice(1) : args;
  if (!torrentPath || !filePath) throw new Error('usage: corrupt-peer [--silent] <torrent> <file>');
  const client = createTorrentClient({ peerIdPrefix: CLIENT_PEER_ID_PREFIX });
  const torrent = await seedFile(client, readFileSync(torrentPath), {
    filePath,
    onError: (err) => process.stderr.write(`corrupt-peer: ${err.message}\n`),
  });
  // webtorrent answers a request from its store: a store that never reads is a hung host.
  if (silent) (torrent as unknown as { store: { get(): void } }).store.get = () => {};
  torrent.on('upload', () => process.stdout.write(`uploaded ${torrent.uploaded}\n`));
  torrent.on('wire', (wire) => {
    process.stdout.write(`wire ${wire.remoteAddress}:${wire.remotePort}\n`);
    wire.once('close', () =>
      process.stdout.write(`closed ${wire.remoteAddress}:${wire.remotePort}\n`),
    );
  });
  process.stdout.write(`listening ${client.torrentPort}\n`);
  const stop = () => client.destroy(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`corrupt-peer: ${(err as Error).message}\n`);
  process.exit(1);
});
