import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, pipeline as pipelineCb, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LayerLookup } from '../../lib/api/index.js';
import { GZIP_SAMPLE_BYTES, gzipLayer, gzipPays } from '../../lib/archive/gzip.js';
import { type Digest, DigestStream, parseDigest } from '../../lib/digest.js';
import { MediaType } from '../../lib/media-types.js';
import type { RegistryClient } from '../registry-client.js';

export type LayerPhase = 'compressing' | 'uploading';

/** known: the registry stores a compressed blob of that diffId; present: HEAD found the blob. */
export type LayerOutcome = 'known' | 'present' | 'uploaded';

/** One layer's bytes as the image archive holds them, in a local file. */
export interface LayerBytes {
  path: string;
  /** sha256 of the file. */
  digest: Digest;
  size: number;
  /** gzip in the archive: sent as it is. */
  compressed: boolean;
}

/** The blob the registry now holds for a layer. */
export interface SentLayer {
  digest: Digest;
  size: number;
  /** Undefined for bytes sent as the archive had them compressed: the archive's type applies. */
  mediaType: string | undefined;
  outcome: LayerOutcome;
}

export type LayerProgressFn = (phase: LayerPhase, bytes: number, size: number) => void;

/**
 * Makes sure the registry holds a blob for one layer's bytes: a plain layer whose diffId
 * the registry already stores compressed is reused; otherwise the layer is gzipped when
 * its first MiB shrinks (gzipPays), else sent as the plain tar it is; a blob the
 * registry has (HEAD) is not sent again. Needs nothing from the archive's manifest, so a
 * push can start it as soon as the bytes are read out of the engine. `signal` cuts the
 * compression and the upload: it rejects with the signal's reason.
 */
export async function sendLayer(
  registry: RegistryClient,
  repository: string,
  layer: LayerBytes,
  onProgress: LayerProgressFn = () => {},
  signal?: AbortSignal,
): Promise<SentLayer> {
  signal?.throwIfAborted();
  let sent: Omit<SentLayer, 'outcome'>;
  let path = layer.path;
  if (layer.compressed) {
    sent = { digest: layer.digest, size: layer.size, mediaType: undefined };
  } else {
    const known = await registry.findLayer(layer.digest);
    // A manifest names only blobs its repository holds: a blob stored for another
    // repository is mounted from one the token may pull, else the layer is sent.
    if (known && (await holdsOrMounts(registry, repository, known))) {
      // The answer's media type is not taken: a blob other than the tar itself found by
      // its diffId is the registry's gzip of it (the registry computes diff_ids).
      const digest = parseDigest(known.digest);
      const mediaType = digest === layer.digest ? MediaType.dockerLayer : MediaType.dockerLayerGzip;
      return { digest, size: known.size, mediaType, outcome: 'known' };
    }
    if (gzipPays(await readHead(layer.path, GZIP_SAMPLE_BYTES))) {
      const gz = await compress(
        layer.path,
        `${layer.path}.gz`,
        (bytes) => onProgress('compressing', bytes, layer.size),
        signal,
      );
      sent = { digest: gz.digest, size: gz.size, mediaType: MediaType.dockerLayerGzip };
      path = gz.path;
    } else {
      sent = { digest: layer.digest, size: layer.size, mediaType: MediaType.dockerLayer };
    }
  }
  if (await registry.hasBlob(repository, sent.digest)) return { ...sent, outcome: 'present' };
  signal?.throwIfAborted();
  onProgress('uploading', 0, sent.size);
  try {
    await registry.uploadBlob(repository, sent.digest, sent.size, () =>
      cutOnAbort(
        counted(createReadStream(path), (bytes) => onProgress('uploading', bytes, sent.size)),
        signal,
      ),
    );
  } catch (err) {
    // The cut shows as a short body (SizeMismatchError): the abort is what happened.
    signal?.throwIfAborted();
    throw err;
  }
  return { ...sent, outcome: 'uploaded' };
}

/**
 * Whether `repository` holds the blob a layer lookup found, once mounted from the
 * repository the lookup named when it did not. False when it does not and cannot mount:
 * the lookup named no repository (the token may pull none holding it), or the registry
 * opened an upload instead.
 */
async function holdsOrMounts(
  registry: RegistryClient,
  repository: string,
  known: LayerLookup,
): Promise<boolean> {
  const digest = parseDigest(known.digest);
  if (await registry.hasBlob(repository, digest)) return true;
  if (known.repository === undefined || known.repository === repository) return false;
  return registry.mountBlob(repository, digest, known.repository);
}

/** The first `bytes` bytes of a file (fewer when it is shorter). */
async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** `source` through a counter that reports the bytes passed so far. */
function counted(source: Readable, onBytes: (bytes: number) => void): Readable {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onBytes(bytes);
      done(null, chunk);
    },
  });
  // An error of the file stream reaches the counter, hence the upload.
  return pipelineCb(source, counter, () => {});
}

/**
 * An upload body that ends where it is when the signal aborts: short of its size, so the
 * upload's digest check fails at once and the request carrying it is destroyed; the
 * registry sees a cut upload and commits nothing. (An error of the body itself would not
 * reach the request: the registry client pipes it into its digest check.)
 */
function cutOnAbort(body: Readable, signal: AbortSignal | undefined): Readable {
  if (!signal) return body;
  const out = new PassThrough();
  body.on('error', (err) => out.destroy(err));
  body.pipe(out);
  const cut = () => {
    body.unpipe(out);
    body.destroy();
    out.end();
  };
  if (signal.aborted) cut();
  else {
    signal.addEventListener('abort', cut, { once: true });
    out.once('close', () => signal.removeEventListener('abort', cut));
  }
  return out;
}

async function compress(
  from: string,
  to: string,
  onBytes: (bytes: number) => void,
  signal: AbortSignal | undefined,
): Promise<{ path: string; digest: Digest; size: number }> {
  const hash = new DigestStream();
  onBytes(0);
  const streams = [counted(createReadStream(from), onBytes), gzipLayer(), hash] as const;
  if (signal) await pipeline(...streams, createWriteStream(to), { signal });
  else await pipeline(...streams, createWriteStream(to));
  return { path: to, ...hash.result() };
}
