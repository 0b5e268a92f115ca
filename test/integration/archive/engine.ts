import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { gzipLayer } from '../../../lib/archive/gzip.js';
import { readImageArchive } from '../../../lib/archive/reader.js';
import type { ArchiveImage, LoadLayer } from '../../../lib/archive/types.js';
import { writeLoadArchive } from '../../../lib/archive/writer.js';
import type { TempDirSink } from '../../helpers/archives.js';
import { randomBytes, runInImage, type TestLayer } from '../../../testbed/images.js';

interface LoadEvent {
  errorDetail?: { message?: string };
  error?: string;
}

/** Loads what `write` writes; resolves with the errorDetail message of a failed load. */
export async function loadInto(
  docker: Docker,
  write: (out: Writable) => Promise<void>,
): Promise<{ error?: string }> {
  const body = new PassThrough();
  const writing = write(body);
  writing.catch(() => {});
  const res = (await docker.loadImage(body)) as Readable;
  const events = await new Promise<LoadEvent[]>((resolve, reject) =>
    docker.modem.followProgress(res, (err: Error | null, ev: LoadEvent[]) =>
      err ? reject(err) : resolve(ev),
    ),
  );
  await writing;
  const failed = events.find((e) => e.errorDetail || e.error);
  return failed ? { error: failed.errorDetail?.message ?? failed.error ?? 'load failed' } : {};
}

/** Reads an image out of the engine (`docker save`) through the codec into `sink`. */
export async function saveAndRead(
  docker: Docker,
  ref: string,
  sink: TempDirSink,
): Promise<ArchiveImage<string>> {
  const stream = (await docker.getImage(ref).get()) as Readable;
  const images = await readImageArchive(stream, sink);
  if (images.length !== 1) throw new Error(`expected one image in the save of ${ref}`);
  return images[0]!;
}

export async function skopeoToArchive(
  ref: string,
  dest: 'oci-archive' | 'docker-archive',
  file: string,
): Promise<void> {
  const host = process.env.DOCKER_HOST;
  if (!host) throw new Error('DOCKER_HOST is not set');
  await promisify(execFile)('skopeo', [
    'copy',
    '--src-daemon-host',
    host,
    `docker-daemon:${ref}`,
    `${dest}:${file}:${ref}`,
  ]);
}

export function readFileArchive(file: string, sink: TempDirSink) {
  return readImageArchive(createReadStream(file), sink);
}

/** LoadLayers over the sink's files; `gzip` compresses each with gzipLayer first. */
export async function loadLayers(image: ArchiveImage<string>, gzip = false): Promise<LoadLayer[]> {
  const out: LoadLayer[] = [];
  for (const layer of image.layers) {
    let file = layer.stored;
    if (gzip && !layer.compressed) {
      file = `${layer.stored}.gz`;
      await pipeline(createReadStream(layer.stored), gzipLayer(), createWriteStream(file));
    }
    out.push({
      diffId: layer.diffId,
      size: (await stat(file)).size,
      open: () => createReadStream(file),
    });
  }
  return out;
}

export function writeImage(
  image: ArchiveImage<string>,
  layers: LoadLayer[],
  repoTags: string[],
  omitLayers = 0,
) {
  return (out: Writable) =>
    writeLoadArchive({ config: image.config, layers, repoTags, omitLayers }, out);
}

/** Asserts that /data/<file> of every layer in `ref` has the bytes buildTestImage wrote. */
export async function dataHashes(docker: Docker, ref: string, layers: TestLayer[]) {
  const out = await runInImage(docker, ref, ['sha256sum', ...layers.map((l) => `/data/${l.file}`)]);
  const got = out
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+/)[0]);
  const want = layers.map((l) =>
    createHash('sha256').update(randomBytes(l.seed, l.size)).digest('hex'),
  );
  return { got, want };
}

export async function removeImage(docker: Docker, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).remove({ force: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}
