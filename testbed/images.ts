import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { type ProgressEvent, readProgress } from '../client/docker-progress.js';

/** The image every test image builds FROM: Debian's busybox-static in an empty rootfs. */
export const BASE_IMAGE = 'docket-test/busybox:base';
const BUSYBOX = '/bin/busybox';
const APPLETS = [
  'sh',
  'cat',
  'ls',
  'echo',
  'sha256sum',
  'wc',
  'head',
  'true',
  'sleep',
  'mkdir',
  'dd',
];

/**
 * Reads a dockerode progress stream to its end; rejects on an errorDetail inside it.
 * `docker` is unused: the signature the tests call with.
 */
export function followProgress(
  _docker: Docker,
  stream: NodeJS.ReadableStream,
): Promise<ProgressEvent[]> {
  return readProgress(stream as AsyncIterable<unknown>, 'docker');
}

async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Imports BASE_IMAGE (busybox-static + applet links) unless the engine has it. */
export async function ensureBaseImage(docker: Docker): Promise<void> {
  if (await hasImage(docker, BASE_IMAGE)) return;
  const pack = tar.pack();
  pack.entry({ name: 'bin/', type: 'directory', mode: 0o755 });
  pack.entry({ name: 'tmp/', type: 'directory', mode: 0o1777 });
  pack.entry({ name: 'bin/busybox', mode: 0o755 }, readFileSync(BUSYBOX));
  for (const applet of APPLETS)
    pack.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' });
  pack.finalize();
  const [repo, tag] = BASE_IMAGE.split(':') as [string, string];
  const stream = (await docker.importImage(pack as unknown as NodeJS.ReadableStream, {
    repo,
    tag,
  })) as Readable;
  await readProgress(stream, 'docker import');
}

/** Deterministic incompressible bytes: sha256 in counter mode over `seed`. */
export function randomBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; off += 32, i++) {
    createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  }
  return out;
}

export interface TestLayer {
  /** File written at /data/<file> by this layer. */
  file: string;
  size: number;
  /** Same seed and size give the same bytes, so images can share layers. */
  seed: string;
}

/**
 * Builds `tag` FROM `base` (default BASE_IMAGE), one COPY layer per entry of `layers`.
 * Two images whose layer lists start the same share those layers in the engine.
 */
export async function buildTestImage(
  docker: Docker,
  tag: string,
  layers: TestLayer[],
  opts: { base?: string; cmd?: string[] } = {},
): Promise<void> {
  const pack = tar.pack();
  const lines = [`FROM ${opts.base ?? BASE_IMAGE}`];
  for (const layer of layers) {
    pack.entry({ name: layer.file, mtime: new Date(0) }, randomBytes(layer.seed, layer.size));
    lines.push(`COPY ${layer.file} /data/${layer.file}`);
  }
  if (opts.cmd) lines.push(`CMD ${JSON.stringify(opts.cmd)}`);
  pack.entry({ name: 'Dockerfile' }, `${lines.join('\n')}\n`);
  pack.finalize();
  const stream = (await docker.buildImage(pack as unknown as NodeJS.ReadableStream, {
    t: tag,
    rm: true,
  })) as Readable;
  await readProgress(stream, `docker build ${tag}`);
}

/** Runs `cmd` in a fresh container of `image` with no network; resolves with its stdout. */
export async function runInImage(docker: Docker, image: string, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    HostConfig: { NetworkMode: 'none', AutoRemove: false },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
    const text = demux(logs);
    if (StatusCode !== 0)
      throw new Error(`${cmd.join(' ')} exited ${StatusCode} in ${image}: ${text.stderr}`);
    return text.stdout;
  } finally {
    await container.remove({ force: true });
  }
}

function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const kind = buf[off];
    const len = buf.readUInt32BE(off + 4);
    const chunk = buf.subarray(off + 8, off + 8 + len);
    (kind === 2 ? err : out).push(chunk);
    off += 8 + len;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
