import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { Header, type RouteMatch } from '../../lib/api/index.js';
import { DocketError } from '../../lib/errors.js';
import { blobAnswer } from '../../lib/http/content.js';
import { errorResponse, libErrors, type WireAnswer } from '../../lib/http/error-middleware.js';
import { listen } from '../../lib/http/listen.js';
import { apiVersionHeader, pickHandler } from '../../lib/http/router.js';
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
  const base: FeedHandler = () => ({ status: 200, headers: JSON_TYPE, body: Buffer.from('{}') });
  const manifest: FeedHandler = (_req, m) => {
    ownRepository(m);
    if (m.params[1] !== image.manifestDigest && m.params[1] !== 'latest')
      throw new FeedUnknownError('MANIFEST_UNKNOWN', m.params[1]);
    return {
      status: 200,
      headers: {
        [Header.contentDigest]: image.manifestDigest,
        ETag: `"${image.manifestDigest}"`,
        'Content-Type': image.manifestMediaType,
      },
      body: image.manifestBody,
    };
  };
  const blob: FeedHandler = (req, m) => {
    ownRepository(m);
    const digest = m.params[1] ?? '';
    if (digest === image.configDigest) {
      const { config } = image;
      const { status, headers, range } = blobAnswer(
        { digest, size: config.length },
        req.headers.range,
      );
      return {
        status,
        headers,
        body: range ? config.subarray(range.start, range.end + 1) : config,
      };
    }
    const index = layers.get(digest);
    const layer = index === undefined ? undefined : image.manifest.layers[index];
    if (index === undefined || !layer) throw new FeedUnknownError('BLOB_UNKNOWN', digest);
    // A layer's bytes come as a stream from its first byte, while they download.
    const { status, headers } = blobAnswer({ digest, size: layer.size, ranges: false }, undefined);
    return { status, headers, body: () => layerBody(index) };
  };
  const routes: FeedRoutes = {
    'v2.base': { GET: base, HEAD: base },
    'v2.manifest': { GET: manifest, HEAD: manifest },
    'v2.blob': { GET: blob, HEAD: blob },
  };

  const server = createServer((req, res) => {
    reached = true;
    answer(routes, req, res).catch((err: unknown) => {
      // A layer that failed to download: the pull itself reports why; the engine sees the
      // answer cut short.
      if (res.headersSent) return void res.destroy();
      const { status, headers, body } = errorResponse(err, feedErrors(err) ?? libErrors(err));
      const bytes = Buffer.from(JSON.stringify(body));
      res.writeHead(status, {
        ...apiVersionHeader(pathOf(req)),
        ...headers,
        ...JSON_TYPE,
        'Content-Length': String(bytes.length),
      });
      res.end(bytes);
    });
  });
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

/**
 * What a feed route answers: status, headers and the body (bytes, or a stream opened only
 * for a GET). The feed runs on node:http, not Koa: it lives for one pull, and loading Koa
 * and its dependencies into every pull cost about a quarter of a loopback pull's CPU
 * (BENCHMARKS.md). It shares the route table, Range, blob headers and error envelope with
 * the Koa servers through lib/http's pure functions, so the three answer alike.
 */
interface FeedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | (() => Promise<Readable>);
}

type FeedHandler = (req: IncomingMessage, match: RouteMatch) => FeedAnswer;
type FeedRoutes = Parameters<typeof pickHandler<FeedHandler>>[0];

const JSON_TYPE = { 'Content-Type': 'application/json' };

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://feed').pathname;
}

async function answer(routes: FeedRoutes, req: IncomingMessage, res: ServerResponse) {
  const path = pathOf(req);
  const { handler, match } = pickHandler(routes, req.method ?? 'GET', path);
  const { status, headers, body } = handler(req, match);
  const head = { ...apiVersionHeader(path), ...headers };
  if (Buffer.isBuffer(body)) {
    res.writeHead(status, { ...head, 'Content-Length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (req.method === 'HEAD') return void res.writeHead(status, head).end();
  const stream = await body();
  res.writeHead(status, head);
  pipeline(stream, res, () => {});
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

function feedErrors(err: unknown): WireAnswer | undefined {
  return err instanceof FeedUnknownError ? { code: err.code } : undefined;
}
