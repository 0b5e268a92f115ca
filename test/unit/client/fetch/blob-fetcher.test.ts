import type { CachePeer } from '../../../../client/p2p/cache-peer.js';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../../client/errors.js';
import {
  BlobFetcher,
  type BlobFetcherOptions,
  type BlobProgress,
  type FetcherRegistry,
  HTTP_BLOB_MAX_BYTES,
} from '../../../../client/fetch/blob-fetcher.js';
import type { TorrentBlob } from '../../../../client/p2p/peer.js';
import { type Digest, parseDigest } from '../../../../lib/digest.js';
import { deferred } from '../../../../lib/deferred.js';

const digestOf = (c: string): Digest => parseDigest(`sha256:${c.repeat(64)}`);
const SMALL = { repository: 'app', digest: digestOf('a'), size: 1000 };
const LARGE = { repository: 'app', digest: digestOf('b'), size: HTTP_BLOB_MAX_BYTES + 1 };
const OTHER = { repository: 'app', digest: digestOf('c'), size: HTTP_BLOB_MAX_BYTES * 2 };
const SWARM_STATS = { fromPeers: 7, fromRegistrySeed: 5, fromWebSeed: 3 };

type DownloadOptions = Parameters<CachePeer['download']>[1];

/** Registry and swarm that record what the fetcher asks of them, in order. */
function fakes(cached: Digest[] = []) {
  const calls: string[] = [];
  const downloads: Array<{ blob: TorrentBlob; opts: DownloadOptions }> = [];
  let gate: Promise<void> = Promise.resolve();
  const registry: FetcherRegistry = {
    openBlob: async (_name, digest) => {
      calls.push(`openBlob ${digest}`);
      return Readable.from([Buffer.from('x')]);
    },
    openDirect: async (_name, digest) => {
      calls.push(`openDirect ${digest}`);
      return undefined;
    },
    getTorrent: async (digest) => {
      calls.push(`getTorrent ${digest}`);
      return Buffer.from(`torrent of ${digest}`);
    },
  };
  const swarm: CachePeer = {
    cached: async (digest) => {
      calls.push(`cached ${digest}`);
      return cached.includes(digest) ? `/cache/${digest}` : undefined;
    },
    store: async (digest) => {
      calls.push(`store ${digest}`);
      return `/cache/${digest}`;
    },
    download: async (blob, opts) => {
      calls.push(`download ${blob.digest}`);
      downloads.push({ blob, opts });
      await opts.direct?.();
      await gate;
      return { path: `/cache/${blob.digest}`, stats: SWARM_STATS };
    },
  };
  const hold = () => {
    const d = deferred<void>();
    gate = d.promise;
    return d.resolve;
  };
  return { registry, swarm, calls, downloads, hold };
}

function fetcher(f: ReturnType<typeof fakes>, opts: Partial<BlobFetcherOptions> = {}) {
  const progress: BlobProgress[] = [];
  const made = new BlobFetcher({
    registry: f.registry,
    peer: f.swarm,
    direct: false,
    onProgress: (p) => progress.push(p),
    ...opts,
  });
  return { fetcher: made, progress };
}

describe('BlobFetcher policy', () => {
  it('takes a cached blob as it is: no registry, no swarm', async () => {
    const f = fakes([SMALL.digest, LARGE.digest]);
    const { fetcher: blobs, progress } = fetcher(f);
    const fetched = await blobs.fetch(LARGE);
    expect(fetched).toEqual({
      path: `/cache/${LARGE.digest}`,
      fromCache: true,
      stats: { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 },
    });
    expect(f.calls).toEqual([`cached ${LARGE.digest}`]);
    expect(progress.map((p) => [p.state, p.downloaded])).toEqual([['cached', LARGE.size]]);
    expect(blobs.received()).toEqual({ fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: 0 });
  });

  it('returns a cached torrent-sized blob with its .torrent when asked to (a pull seeds it)', async () => {
    const f = fakes([SMALL.digest, LARGE.digest]);
    const { fetcher: blobs } = fetcher(f, { torrentOfCached: true });
    expect((await blobs.fetch(LARGE)).torrent).toEqual({
      digest: LARGE.digest,
      size: LARGE.size,
      torrent: Buffer.from(`torrent of ${LARGE.digest}`),
    });
    expect((await blobs.fetch(SMALL)).torrent).toBeUndefined();
    expect(f.calls).toEqual([
      `cached ${LARGE.digest}`,
      `getTorrent ${LARGE.digest}`,
      `cached ${SMALL.digest}`,
    ]);
  });

  it('fetches a small blob whole over HTTP and counts it as web seed bytes', async () => {
    const f = fakes();
    const { fetcher: blobs, progress } = fetcher(f, { direct: true });
    const fetched = await blobs.fetch(SMALL);
    expect(fetched).toEqual({
      path: `/cache/${SMALL.digest}`,
      fromCache: false,
      stats: { fromPeers: 0, fromRegistrySeed: 0, fromWebSeed: SMALL.size },
    });
    expect(f.calls).toEqual([
      `cached ${SMALL.digest}`,
      `openBlob ${SMALL.digest}`,
      `store ${SMALL.digest}`,
    ]);
    expect(progress.map((p) => p.state)).toEqual(['downloading', 'done']);
    expect(blobs.received().fromWebSeed).toBe(SMALL.size);
  });

  it('takes a larger blob from the swarm with its .torrent, offering a direct download first when told to', async () => {
    const f = fakes();
    const { fetcher: blobs } = fetcher(f, { direct: true });
    const fetched = await blobs.fetch(LARGE);
    expect(fetched.torrent?.torrent).toEqual(Buffer.from(`torrent of ${LARGE.digest}`));
    expect(fetched.stats).toEqual(SWARM_STATS);
    expect(f.calls).toEqual([
      `cached ${LARGE.digest}`,
      `getTorrent ${LARGE.digest}`,
      `download ${LARGE.digest}`,
      `openDirect ${LARGE.digest}`,
    ]);

    const g = fakes();
    await fetcher(g, { direct: false }).fetcher.fetch(LARGE);
    expect(g.downloads[0]?.opts.direct).toBeUndefined();
  });

  it('seeds a blob fetched by torrent before the fetch resolves; a failed seed is a warning', async () => {
    const f = fakes();
    const seeded: string[] = [];
    const warnings: string[] = [];
    const { fetcher: blobs } = fetcher(f, {
      seed: async (blob) => {
        seeded.push(blob.digest);
        if (blob.digest === OTHER.digest) throw new Error('no port');
      },
      onWarning: (m) => warnings.push(m),
    });
    await blobs.fetch(SMALL);
    await blobs.fetch(LARGE);
    expect(seeded).toEqual([LARGE.digest]);
    await expect(blobs.fetch(OTHER)).resolves.toMatchObject({ fromCache: false });
    expect(warnings).toEqual([`cannot seed ${OTHER.digest}: Error: no port`]);
  });

  it('sums the bytes of every fetch by source', async () => {
    const f = fakes();
    const { fetcher: blobs } = fetcher(f);
    await blobs.fetch(SMALL);
    await blobs.fetch(LARGE);
    await blobs.fetch(OTHER);
    expect(blobs.received()).toEqual({
      fromPeers: 2 * SWARM_STATS.fromPeers,
      fromRegistrySeed: 2 * SWARM_STATS.fromRegistrySeed,
      fromWebSeed: 2 * SWARM_STATS.fromWebSeed + SMALL.size,
    });
  });

  it('asks for prefetched .torrents up front, only for torrent-sized blobs, and uses each once', async () => {
    const f = fakes();
    const { fetcher: blobs } = fetcher(f);
    blobs.prefetchTorrents([SMALL, LARGE]);
    expect(f.calls).toEqual([`getTorrent ${LARGE.digest}`]);
    await blobs.fetch(LARGE);
    expect(f.calls.filter((c) => c.startsWith('getTorrent'))).toHaveLength(1);
    await blobs.fetch(LARGE);
    expect(f.calls.filter((c) => c.startsWith('getTorrent'))).toHaveLength(2);
  });

  it('hands on the growing file of a direct download with its digest', async () => {
    const f = fakes();
    const files: string[] = [];
    const { fetcher: blobs } = fetcher(f, { onFile: (digest) => files.push(digest) });
    f.swarm.download = async (blob, opts) => {
      opts.onFile?.({ path: '/partial' } as never);
      return { path: `/cache/${blob.digest}`, stats: SWARM_STATS };
    };
    await blobs.fetch(LARGE);
    expect(files).toEqual([LARGE.digest]);
  });

  it('starts nothing once the signal has aborted', async () => {
    const f = fakes();
    const stop = new AbortController();
    stop.abort();
    const { fetcher: blobs } = fetcher(f, { signal: stop.signal });
    await expect(blobs.fetch(LARGE)).rejects.toBeInstanceOf(InterruptedError);
    expect(f.calls).toEqual([]);
  });
});

describe('BlobFetcher in-flight sharing', () => {
  it('runs one fetch per digest for concurrent callers, and a new one after it settled', async () => {
    const f = fakes();
    const { fetcher: blobs } = fetcher(f);
    const release = f.hold();
    const first = blobs.fetch(LARGE);
    const second = blobs.fetch(LARGE);
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(f.calls.filter((c) => c.startsWith('download'))).toHaveLength(1);
    expect(blobs.received().fromPeers).toBe(SWARM_STATS.fromPeers);
    await blobs.fetch(LARGE);
    expect(f.calls.filter((c) => c.startsWith('download'))).toHaveLength(2);
  });

  it('rejects every caller of a failed fetch, and the next call tries again', async () => {
    const f = fakes();
    const { fetcher: blobs } = fetcher(f);
    const download = f.swarm.download;
    const mismatch = new Error('digest mismatch');
    f.swarm.download = async () => {
      throw mismatch;
    };
    const calls = [blobs.fetch(LARGE), blobs.fetch(LARGE)];
    for (const call of calls) await expect(call).rejects.toBe(mismatch);
    f.swarm.download = download;
    await expect(blobs.fetch(LARGE)).resolves.toMatchObject({ fromCache: false });
  });

  it('with direct turns, opens the next direct download only once the previous body has closed', async () => {
    const f = fakes();
    const bodies = [new PassThrough(), new PassThrough()];
    const opened: string[] = [];
    f.registry.openDirect = async (_name, digest) => {
      opened.push(digest);
      return bodies[opened.length - 1];
    };
    const { fetcher: blobs } = fetcher(f, { direct: true, directTurns: true });
    const first = blobs.fetch(LARGE);
    const second = blobs.fetch(OTHER);
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(opened).toEqual([LARGE.digest]);
    bodies[0]!.end();
    bodies[0]!.resume();
    await second;
    expect(opened).toEqual([LARGE.digest, OTHER.digest]);
  });
});
