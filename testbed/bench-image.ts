import type Docker from 'dockerode';
import { buildTestImage, ensureBaseImage, runInImage, type TestLayer } from './images.js';

/** An incompressible test image and the command whose output proves a host has all of it. */
export interface BenchImage {
  /** Repository and tag, without a registry host. */
  name: string;
  tag: string;
  /** Image id (config digest): the same in every engine that has the image. */
  id: string;
  layers: TestLayer[];
  /** The engine's size of the whole image (layer files + busybox base): S in every ratio. */
  bytes: number;
  /** Sum of the random layer files alone. */
  layerBytes: number;
  verifyCmd: string[];
  /** Output of verifyCmd in the origin's engine. */
  expected: string;
}

/**
 * Builds `<name>:<tag>` in `docker` with `layerCount` layers of random bytes summing to
 * `bytes` (seeded by `seed`, so a rerun builds the same image).
 */
export async function buildBenchImage(
  docker: Docker,
  opts: { name: string; tag: string; bytes: number; layerCount: number; seed: string },
): Promise<BenchImage> {
  const per = Math.floor(opts.bytes / opts.layerCount);
  const layers: TestLayer[] = Array.from({ length: opts.layerCount }, (_, i) => ({
    file: `layer${i}.bin`,
    size: i === opts.layerCount - 1 ? opts.bytes - per * (opts.layerCount - 1) : per,
    seed: `${opts.seed}:${i}`,
  }));
  const files = layers.map((l) => `/data/${l.file}`);
  const verifyCmd = ['sha256sum', ...files];
  await ensureBaseImage(docker);
  const ref = `${opts.name}:${opts.tag}`;
  await buildTestImage(docker, ref, layers, { cmd: verifyCmd });
  const expected = await runInImage(docker, ref, verifyCmd);
  const { Id: id, Size: size } = await docker.getImage(ref).inspect();
  return {
    name: opts.name,
    tag: opts.tag,
    id,
    layers,
    bytes: size,
    layerBytes: opts.bytes,
    verifyCmd,
    expected,
  };
}

/** Runs the image's verify command in `docker` (network none) and compares with the origin's. */
export async function verifyImage(docker: Docker, ref: string, image: BenchImage): Promise<void> {
  const out = await runInImage(docker, ref, image.verifyCmd);
  if (out !== image.expected)
    throw new Error(
      `${ref} content differs from the origin's:\n${out}\nexpected:\n${image.expected}`,
    );
}

/** Removes the image `ref` names, with all its tags, and its layers no other image uses. */
export async function removeImage(docker: Docker, ref: string): Promise<void> {
  try {
    const { Id } = await docker.getImage(ref).inspect();
    await docker.getImage(Id).remove({ force: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}
