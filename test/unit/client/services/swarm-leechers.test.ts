import { createHash } from 'node:crypto';
import bencode from 'bencode';
import { afterEach, describe, expect, it } from 'vitest';
import { countLeechers } from '../../../../client/services/swarm-leechers.js';
import { startHttp, type TestHttpServer } from '../../../helpers/http-server.js';

/** A one-file torrent announcing to `announce`, and its infohash (binary). */
function torrentFor(announce: string): { torrent: Buffer; infoHash: Buffer } {
  const info = {
    name: 'blob',
    length: 5,
    'piece length': 16384,
    pieces: createHash('sha1').update('bytes').digest(),
  };
  const infoHash = createHash('sha1').update(bencode.encode(info)).digest();
  return { torrent: Buffer.from(bencode.encode({ announce, info })), infoHash };
}

// Security audit finding 6: a client read of an answer from elsewhere must be bounded;
// a tracker's scrape answer was read whole.
describe('countLeechers', () => {
  let server: TestHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sums incomplete from the scrape answer', async () => {
    let infoHash!: Buffer;
    server = await startHttp((_req, res) => {
      res.end(
        Buffer.from(
          bencode.encode({ files: new Map([[infoHash, { incomplete: 3, complete: 1 }]]) }),
        ),
      );
    });
    const t = torrentFor(`${server.url}/announce`);
    infoHash = t.infoHash;
    expect(await countLeechers([t.torrent])).toBe(3);
  });

  it('stops reading an endless scrape answer, and counts that tracker as 0', async () => {
    let sent = 0;
    const most = 64 * 1024 * 1024;
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => {
      hungUp = resolve;
    });
    server = await startHttp((_req, res) => {
      res.writeHead(200);
      res.once('close', hungUp);
      const chunk = Buffer.alloc(256 * 1024, 0x30);
      const pump = () => {
        while (!res.destroyed && sent < most) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const { torrent } = torrentFor(`${server.url}/announce`);
    expect(await countLeechers([torrent], fetch, 30_000)).toBe(0);
    await closed;
    expect(sent).toBeLessThan(most);
  });
});
