import type { IncomingMessage, ServerResponse } from 'node:http';
import bencode from 'bencode';
import type { Server } from 'bittorrent-tracker';

export interface ScrapeOptions {
  /** Whether a scrape without `info_hash` lists every swarm (off on a private tracker). */
  full: boolean;
}

/**
 * HTTP scrape (BEP 48), answered here instead of by bittorrent-tracker: its reply keys
 * `files` by a latin1 "binary string" that bencode then writes as UTF-8, so every
 * infohash byte ≥ 0x80 becomes two bytes (a 31-byte key instead of 20). This writes the
 * 20 raw infohash bytes as keys, sorted as raw strings (BEP 3).
 */
export function handleScrape(
  server: Server,
  req: IncomingMessage,
  res: ServerResponse,
  opts: ScrapeOptions = { full: true },
): void {
  const requested = scrapeInfoHashes(req.url ?? '');
  if (requested === 'invalid') {
    res.end(bencode.encode({ 'failure reason': 'invalid info_hash' }));
    return;
  }
  if (requested === undefined && !opts.full) {
    res.end(bencode.encode({ 'failure reason': 'full scrape is disabled: name an info_hash' }));
    return;
  }
  const hexes = requested ?? Object.keys(server.torrents);
  const files = hexes.map((hex) => {
    const swarm = server.torrents[hex];
    return {
      infoHash: Buffer.from(hex, 'hex'),
      complete: swarm?.complete ?? 0,
      incomplete: swarm?.incomplete ?? 0,
    };
  });
  res.setHeader('Content-Type', 'text/plain');
  res.end(encodeScrapeReply(files, Math.ceil(server.intervalMs / 1000)));
}

/**
 * The infohashes (hex) named by `info_hash` parameters of a scrape URL, undefined for a
 * full scrape (no parameter), 'invalid' when one is not 20 bytes.
 */
export function scrapeInfoHashes(url: string): string[] | undefined | 'invalid' {
  const query = url.split('?')[1] ?? '';
  const hexes: string[] = [];
  for (const pair of query.split('&')) {
    const [key, value = ''] = pair.split('=');
    if (key !== 'info_hash') continue;
    const bytes = percentDecode(value);
    if (bytes.length !== 20) return 'invalid';
    hexes.push(bytes.toString('hex'));
  }
  return hexes.length > 0 ? hexes : undefined;
}

export interface ScrapeEntry {
  infoHash: Buffer;
  complete: number;
  incomplete: number;
}

/** `d5:filesd<20 bytes>d8:complete..10:downloaded..10:incomplete..ee..e5:flagsd..ee`. */
export function encodeScrapeReply(files: ScrapeEntry[], minRequestInterval: number): Buffer {
  const parts: Buffer[] = [Buffer.from('d5:filesd')];
  const sorted = [...files].sort((a, b) => Buffer.compare(a.infoHash, b.infoHash));
  for (const file of sorted) {
    parts.push(Buffer.from(`${file.infoHash.length}:`), file.infoHash);
    // `downloaded` is a lower bound: the swarm only counts current seeds.
    const stats = {
      complete: file.complete,
      downloaded: file.complete,
      incomplete: file.incomplete,
    };
    parts.push(Buffer.from(bencode.encode(stats)));
  }
  parts.push(Buffer.from('e'));
  parts.push(Buffer.from(bencode.encode('flags')));
  parts.push(Buffer.from(bencode.encode({ min_request_interval: minRequestInterval })));
  parts.push(Buffer.from('e'));
  return Buffer.concat(parts);
}

/** Query-string decoding to raw bytes: an infohash is binary, not UTF-8 text. */
function percentDecode(value: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const hex = value.slice(i + 1, i + 3);
    if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (ch === '+') {
      bytes.push(0x20);
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}
