import { readFileSync } from 'node:fs';
import parseTorrent from 'parse-torrent';
import type { Torrent } from '@docket/webtorrent';
import { fileStore } from '../lib/p2p/file-store.js';
import { seedFile } from '../lib/p2p/seed-file.js';
import { createTorrentClient } from '../lib/p2p/torrent-client.js';
import { CLIENT_PEER_ID_PREFIX, REGISTRY_PEER_ID_PREFIX } from '../lib/torrent.js';

/**
 * One peer of `swarm-cpu.ts`, a process of its own (forked, IPC channel to the parent):
 *   swarm-cpu-peer.js seed|leech TORRENT_FILE BLOB_FILE
 * The seed serves the blob in place as the registry does (seedFile); a leecher adds the
 * torrent with the options of client/p2p/download.ts and keeps uploading once done, as a
 * pulling host seeds. CPU (process.cpuUsage) is counted from just before the torrent is
 * added, so module loading is left out.
 */

export type PeerMessage =
  | { type: 'ready'; port: number }
  | { type: 'done'; cpuSeconds: number; downloaded: number }
  | { type: 'final'; cpuSeconds: number; uploaded: number; minorFaults: number }
  | { type: 'failed'; error: string };

const [role, torrentPath, blobPath] = process.argv.slice(2);
if ((role !== 'seed' && role !== 'leech') || !torrentPath || !blobPath || !process.send) {
  process.stderr.write(
    'usage (forked by swarm-cpu.js): swarm-cpu-peer.js seed|leech TORRENT BLOB\n',
  );
  process.exit(2);
}

const send = (m: PeerMessage) => process.send?.(m);
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

const client = createTorrentClient({
  peerIdPrefix: role === 'seed' ? REGISTRY_PEER_ID_PREFIX : CLIENT_PEER_ID_PREFIX,
  webSeeds: false,
});
client.on('error', (err: Error) => send({ type: 'failed', error: err.message }));
const torrentFile = readFileSync(torrentPath);
const cpu0 = process.cpuUsage();
const faults0 = process.resourceUsage().minorPageFault;
let torrent: Torrent;

if (role === 'seed') {
  torrent = await seedFile(client, torrentFile, {
    filePath: blobPath,
    onError: (err) => send({ type: 'failed', error: err.message }),
  });
  send({ type: 'ready', port: client.torrentPort });
} else {
  const parsed = await parseTorrent(torrentFile);
  torrent = client.add(parsed, {
    store: fileStore({ filePath: blobPath }),
    storeCacheSlots: 8,
    strategy: 'rarest',
  });
  torrent.on('error', (err: Error) => send({ type: 'failed', error: err.message }));
  torrent.once('done', () =>
    send({ type: 'done', cpuSeconds: cpuSeconds(cpu0), downloaded: torrent.downloaded }),
  );
  torrent.once('ready', () => send({ type: 'ready', port: client.torrentPort }));
}

process.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  const final: PeerMessage = {
    type: 'final',
    cpuSeconds: cpuSeconds(cpu0),
    uploaded: torrent.uploaded,
    // Page faults: each first touch of freshly allocated memory costs one per 4 KiB.
    minorFaults: process.resourceUsage().minorPageFault - faults0,
  };
  // Exit (which writes a --cpu-prof profile) only once the parent has the numbers.
  process.send?.(final, () => client.destroy(() => process.exit(0)));
});
process.on('disconnect', () => process.exit(1));
