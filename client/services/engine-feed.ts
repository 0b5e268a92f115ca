import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Readable } from 'node:stream';
import type { RouteMatch } from '../../lib/api/index.js';
import { DocketError } from '../../lib/errors.js';
import { createHttpApp } from '../../lib/http/app.js';
import { sendBlob, sendManifest } from '../../lib/http/content.js';
import type { ErrorMapper } from '../../lib/http/error-middleware.js';
import { listen } from '../../lib/http/listen.js';
import type { ByteRange } from '../../lib/http/range.js';
import type { Handler } from '../../lib/http/router.js';
import type { ResolvedImage } from './resolve-image.js';

/**
 * A one-image, read-only OCI registry on 127.0.0.1 for the local engine to `docker pull`
 * from: the image's manifest, its config, and each layer's bytes as `layerBody(i)` gives
 * them (the blob GET waits for it). Why: `docker pull` fetches layers concurrently and
 * extracts each as it arrives, once, where `docker load` copies its whole tarball to
 * disk before extracting anything; the engine also learns the layers' blob digests for
 * later pulls.
 *
 * The repository name carries a random token (`docket-<hex>/<name>`): the port is
 * reachable by every local user, the token makes the image's URLs unguessable while the
 * pull runs. It answers GET and HEAD of `/v2/`, the manifest and the blobs, over lib/http
 * like the registry and the agent: anything else is an OCI error (404, 405).
 *
 * A layer's bytes may go out before docket has verified them (a direct download still
 * arriving): the engine checks every blob against its digest itself (moby's pull verifies
 * each layer, containerd each content commit) and rejects a layer that does not match.
 * A layer whose fetch fails ends its response early, which the engine sees as an error.
 */
export interface EngineFeed {
  /** What to `docker pull`: `127.0.0.1:<port>/docket-<hex>/<name>@<manifest digest>`. */
  reference: string;
  /** Whether the engine asked for anything yet (it reached us). */
  reached(): boolean;
  close(): Promise<void>;
}

export async function startEngineFeed(
  name: string,
  image: ResolvedImage,
  layerBody: (index: number) => Promise<Readable>,
): Promise<EngineFeed> {
  const repository = `docket-${randomBytes(8).toString('hex')}/${name}`;
  const layers = new Map(image.manifest.layers.map((l, i) => [l.digest, i]));
  let reached = false;

  const ownRepository = (m: RouteMatch) => {
    if (m.params[0] !== repository) throw new FeedUnknownError('NAME_UNKNOWN', m.params[0]);
  };
  const base: Handler = (ctx) => {
    ctx.body = {};
  };
  const manifest: Handler = (ctx, m) => {
    ownRepository(m);
    if (m.params[1] !== image.manifestDigest && m.params[1] !== 'latest')
      throw new FeedUnknownError('MANIFEST_UNKNOWN', m.params[1]);
    sendManifest(ctx, {
      digest: image.manifestDigest,
      mediaType: image.manifestMediaType,
      body: image.manifestBody,
    });
  };
  const blob: Handler = async (ctx, m) => {
    ownRepository(m);
    const digest = m.params[1] ?? '';
    if (digest === image.configDigest) {
      const { config } = image;
      const open = (r?: ByteRange) => (r ? config.subarray(r.start, r.end + 1) : config);
      return sendBlob(ctx, { digest, size: config.length, open });
    }
    const index = layers.get(digest);
    const layer = index === undefined ? undefined : image.manifest.layers[index];
    if (index === undefined || !layer) throw new FeedUnknownError('BLOB_UNKNOWN', digest);
    // A layer's bytes come as a stream from its first byte, while they download.
    await sendBlob(ctx, { digest, size: layer.size, ranges: false, open: () => layerBody(index) });
  };

  const app = createHttpApp({
    routes: {
      'v2.base': { GET: base, HEAD: base },
      'v2.manifest': { GET: manifest, HEAD: manifest },
      'v2.blob': { GET: blob, HEAD: blob },
    },
    outer: [
      (_ctx, next) => {
        reached = true;
        return next();
      },
    ],
    mappers: [feedErrors],
    // A layer that failed to download: the pull itself reports why.
    onUnknown: () => {},
  });
  const server = createServer(app.callback());
  const port = await listen(server, 0, '127.0.0.1');
  return {
    reference: `127.0.0.1:${port}/${repository}@${image.manifestDigest}`,
    reached: () => reached,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A repository, manifest or blob other than the feed's one image's. */
class FeedUnknownError extends DocketError {
  constructor(
    readonly code: 'NAME_UNKNOWN' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN',
    what: string | undefined,
  ) {
    super(`${what} unknown`);
  }
}

const feedErrors: ErrorMapper = (err) =>
  err instanceof FeedUnknownError ? { code: err.code } : undefined;
