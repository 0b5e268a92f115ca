import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { Header } from '../../lib/api/index.js';
import type { Digest } from '../../lib/digest.js';
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
 * pull runs. Nothing but GET and HEAD of these paths is answered (404 otherwise).
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
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    reached = true;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return end(res, 405);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/v2/' || path === '/v2') return end(res, 200);
    const prefix = `/v2/${repository}/`;
    if (!path.startsWith(prefix)) return end(res, 404);
    const [kind, ref] = path.slice(prefix.length).split('/');
    if (kind === 'manifests' && (ref === image.manifestDigest || ref === 'latest'))
      return send(res, head, image.manifestBody, image.manifestMediaType, image.manifestDigest);
    if (kind !== 'blobs' || ref === undefined) return end(res, 404);
    if (ref === image.configDigest)
      return send(res, head, image.config, 'application/octet-stream', image.configDigest);
    const index = layers.get(ref);
    const layer = index === undefined ? undefined : image.manifest.layers[index];
    if (index === undefined || !layer) return end(res, 404);
    const headers = {
      'Content-Length': layer.size,
      'Content-Type': 'application/octet-stream',
      [Header.contentDigest]: ref,
    };
    if (head) return void res.writeHead(200, headers).end();
    const body = await layerBody(index);
    res.writeHead(200, headers);
    pipeline(body, res, () => {});
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A layer that failed to download: the pull itself reports why.
      if (!res.headersSent) end(res, 500);
      else res.destroy();
    });
  });
  const port = await listen(server);
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

function send(
  res: ServerResponse,
  head: boolean,
  body: Buffer,
  type: string,
  digest: Digest,
): void {
  res.writeHead(200, {
    'Content-Length': body.length,
    'Content-Type': type,
    [Header.contentDigest]: digest,
    [Header.apiVersion]: 'registry/2.0',
  });
  res.end(head ? undefined : body);
}

function end(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0, [Header.apiVersion]: 'registry/2.0' });
  res.end();
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
