import bencode from 'bencode';
import parseTorrent from 'parse-torrent';
import { readBounded } from '../bounded-body.js';

/** A scrape answer for a pull's blobs is a few hundred bytes: read no more than this. */
const SCRAPE_ANSWER_LIMIT = 1024 * 1024;

/**
 * How many peers of these blobs' swarms are still downloading, by HTTP scrape of their
 * trackers (BEP 48: the announce URL with `/announce` turned into `/scrape`). A pull
 * seeds after the load only while this is above 0. Trackers that cannot be scraped (UDP,
 * no /announce in the path, unreachable) count as 0: the pull then stops seeding rather
 * than wait on a guess.
 */
export async function countLeechers(
  torrents: Buffer[],
  fetchFn: typeof fetch = fetch,
  timeoutMs = 5_000,
): Promise<number> {
  const byScrapeUrl = new Map<string, string[]>();
  for (const torrent of torrents) {
    const parsed = await parseTorrent(torrent);
    for (const announce of parsed.announce) {
      const url = scrapeUrl(announce);
      if (!url) continue;
      byScrapeUrl.set(url, [...(byScrapeUrl.get(url) ?? []), parsed.infoHash]);
    }
  }
  let most = 0;
  for (const [url, infoHashes] of byScrapeUrl) {
    const query = infoHashes.map((h) => `info_hash=${percentEncodeHex(h)}`).join('&');
    try {
      const res = await fetchFn(`${url}${url.includes('?') ? '&' : '?'}${query}`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) continue;
      const body = await readBounded(res, SCRAPE_ANSWER_LIMIT, 'tracker scrape answer');
      most = Math.max(most, incompleteOf(new Uint8Array(body)));
    } catch {
      // An unreachable tracker tells nothing about leechers.
    }
  }
  return most;
}

/** BEP 48: only an announce URL whose last path segment starts with `announce` can be scraped. */
export function scrapeUrl(announce: string): string | undefined {
  let url: URL;
  try {
    url = new URL(announce);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const i = url.pathname.lastIndexOf('/');
  const last = url.pathname.slice(i + 1);
  if (!last.startsWith('announce')) return undefined;
  url.pathname = `${url.pathname.slice(0, i + 1)}scrape${last.slice('announce'.length)}`;
  return url.toString();
}

function percentEncodeHex(hex: string): string {
  return hex.replace(/../g, (b) => `%${b}`);
}

/** The sum of `incomplete` over the `files` of a bencoded scrape reply. */
export function incompleteOf(reply: Uint8Array): number {
  const decoded = bencode.decode(reply) as { files?: Record<string, { incomplete?: unknown }> };
  let sum = 0;
  for (const file of Object.values(decoded.files ?? {}))
    if (typeof file.incomplete === 'number') sum += file.incomplete;
  return sum;
}
