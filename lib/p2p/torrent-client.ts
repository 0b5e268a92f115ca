import WebTorrent, { type Torrent, type Wire } from '@docket/webtorrent';
import type { Bandwidth } from '../bandwidth.js';
import { makePeerId } from '../torrent.js';

export interface TorrentClientOptions {
  /** Azureus-style peer id prefix (`-DKR` registry seed, `-DKC` client), so peers can tell them apart. */
  peerIdPrefix: string;
  /** TCP port for incoming peers; 0 picks a free one. */
  torrentPort?: number;
  /** Whether torrents may use their BEP 19 url-list on their own (default true). */
  webSeeds?: boolean;
  /**
   * The process's budgets (lib/bandwidth.ts): every wire's and web seed's bytes draw from
   * them, as the process's HTTP bodies do. Without one, a direction's throttle stays
   * webtorrent's own, disabled: it passes chunks on as they come.
   */
  bandwidth?: Bandwidth;
}

/**
 * The one place docket creates a webtorrent client: TCP peers only. uTP is off (a uTP
 * leecher waits ~40 s before falling back to TCP), and so are DHT, LSD, PEX and NAT
 * port mapping: docket's torrents are private and their swarms come from the trackers
 * named in the .torrent, never from the public network.
 */
export function createTorrentClient(opts: TorrentClientOptions): WebTorrent {
  const client = new WebTorrent({
    peerId: makePeerId(opts.peerIdPrefix),
    torrentPort: opts.torrentPort ?? 0,
    utp: false,
    dht: false,
    lsd: false,
    utPex: false,
    natUpnp: false,
    natPmp: false,
    webSeeds: opts.webSeeds ?? true,
    // No BitTorrent protocol encryption (MSE): its Diffie-Hellman handshake on every
    // connection was the top CPU cost in profiles, and it protects nothing here:
    // pieces are SHA-1 checked and every blob is SHA-256 verified.
    secure: 0,
  });
  // Replaced before any wire exists: a peer takes the client's groups when it is created.
  const { download, upload } = opts.bandwidth ?? {};
  if (download) {
    client.throttleGroups.down.destroy();
    client.throttleGroups.down = download.throttleGroup();
  }
  if (upload) {
    client.throttleGroups.up.destroy();
    client.throttleGroups.up = upload.throttleGroup();
  }
  // HTTP and UDP trackers (bittorrent-tracker, opentracker) list the announcing peer among
  // the peers they return, and webtorrent then connects to its own port: a wire to itself
  // that a piece-rationing seed would count as a peer lacking every piece. Drop it.
  client.on('add', (torrent: Torrent) => {
    torrent.on('wire', (wire: Wire) => {
      if (wire.peerId === client.peerId) wire.destroy();
    });
  });
  return client;
}

/** Destroys the client's torrent with this infohash, if it has one; resolves once closed. */
export async function removeTorrent(client: WebTorrent, infoHash: string): Promise<void> {
  const torrent = await client.get(infoHash);
  if (torrent) await new Promise<void>((resolve) => torrent.destroy(() => resolve()));
}
