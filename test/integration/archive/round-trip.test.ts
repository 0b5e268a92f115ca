import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TempDirSink } from '../../helpers/archives.js';
import { buildTestImage, type TestLayer } from '../../../testbed/images.js';
import {
  dataHashes,
  loadInto,
  loadLayers,
  readFileArchive,
  removeImage,
  saveAndRead,
  skopeoToArchive,
  writeImage,
} from './engine.js';

const docker = new Docker();
const run = `${process.pid}-${Date.now()}`;
const created = new Set<string>();
let sink: TempDirSink;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'codec-test-rt-'));
});
afterAll(async () => {
  for (const ref of created) await removeImage(docker, ref);
  rmSync(dir, { recursive: true, force: true });
});
const sinks: TempDirSink[] = [];
afterEach(() => {
  for (const s of sinks.splice(0)) s.remove();
});

/** Test layers unique to this run, so the engine has none of them before the build. */
function layersFor(name: string, count: number): TestLayer[] {
  return Array.from({ length: count }, (_, i) => ({
    file: `${name}-${i}.bin`,
    size: 200_000 + i * 50_000,
    seed: `codec-${run}-${name}-${i}`,
  }));
}

async function build(ref: string, layers: TestLayer[]): Promise<string> {
  created.add(ref);
  await buildTestImage(docker, ref, layers);
  return (await docker.getImage(ref).inspect()).Id;
}

/** Loads `write`, and checks the image's ID and the bytes of its files. */
async function expectLoaded(
  ref: string,
  write: Parameters<typeof loadInto>[1],
  id: string,
  layers: TestLayer[],
) {
  created.add(ref);
  expect(await loadInto(docker, write)).toEqual({});
  expect((await docker.getImage(ref).inspect()).Id).toBe(id);
  const { got, want } = await dataHashes(docker, ref, layers);
  expect(got).toEqual(want);
}

describe('image archive round trips through the engine', () => {
  it('docker save -> read -> write -> docker load keeps the image ID and the files', async () => {
    const layers = layersFor('save', 2);
    const id = await build(`codec-test/save:${run}`, layers);
    sink = new TempDirSink();
    sinks.push(sink);
    const image = await saveAndRead(docker, `codec-test/save:${run}`, sink);
    expect(image.layout).toBe('docker-legacy');
    expect(image.configDigest).toBe(id);
    expect(image.tags).toEqual([`codec-test/save:${run}`]);
    // Without the image the engine must read every layer above the base from the archive.
    await removeImage(docker, `codec-test/save:${run}`);
    const tag = `codec-test/save-copy:${run}`;
    await expectLoaded(tag, writeImage(image, await loadLayers(image), [tag]), id, layers);
  });

  it('loads layers written gzip-compressed by gzipLayer', async () => {
    const layers = layersFor('gzip', 2);
    const id = await build(`codec-test/gzip:${run}`, layers);
    sink = new TempDirSink();
    sinks.push(sink);
    const image = await saveAndRead(docker, `codec-test/gzip:${run}`, sink);
    await removeImage(docker, `codec-test/gzip:${run}`);
    const tag = `codec-test/gzip-copy:${run}`;
    await expectLoaded(tag, writeImage(image, await loadLayers(image, true), [tag]), id, layers);
  });

  it('skopeo oci-archive (gzip layers) -> read -> write -> docker load', async () => {
    const layers = layersFor('oci', 2);
    const ref = `codec-test/oci:${run}`;
    await build(ref, layers);
    const file = join(dir, 'oci.tar');
    await skopeoToArchive(ref, 'oci-archive', file);
    sink = new TempDirSink();
    sinks.push(sink);
    const [image] = await readFileArchive(file, sink);
    expect(image!.layout).toBe('oci');
    expect(image!.tags).toEqual([ref]);
    expect(image!.layers.every((l) => l.compressed)).toBe(true);
    await removeImage(docker, ref);
    // skopeo converts the config to an OCI config: the loaded ID is that config's digest.
    const tag = `codec-test/oci-copy:${run}`;
    const write = writeImage(image!, await loadLayers(image!), [tag]);
    await expectLoaded(tag, write, image!.configDigest, layers);
  });

  it('skopeo docker-archive -> read -> write -> docker load keeps the image ID', async () => {
    const layers = layersFor('dockerarchive', 2);
    const ref = `codec-test/docker-archive:${run}`;
    const id = await build(ref, layers);
    const file = join(dir, 'docker.tar');
    await skopeoToArchive(ref, 'docker-archive', file);
    sink = new TempDirSink();
    sinks.push(sink);
    const [image] = await readFileArchive(file, sink);
    expect(image!.layout).toBe('docker-legacy');
    expect(image!.tags).toEqual([ref]);
    expect(image!.configDigest).toBe(id);
    await removeImage(docker, ref);
    const tag = `codec-test/docker-archive-copy:${run}`;
    await expectLoaded(tag, writeImage(image!, await loadLayers(image!), [tag]), id, layers);
  });
});

describe('omitLayers against the engine', () => {
  it('loads without the lower layers files when the engine has their chain', async () => {
    const shared = layersFor('shared', 2);
    const top = layersFor('top', 1);
    await build(`codec-test/lower:${run}`, shared);
    const id = await build(`codec-test/upper:${run}`, [...shared, ...top]);
    sink = new TempDirSink();
    sinks.push(sink);
    const image = await saveAndRead(docker, `codec-test/upper:${run}`, sink);
    await removeImage(docker, `codec-test/upper:${run}`);
    // Base layer + the two shared ones are in the engine through codec-test/lower.
    const omit = image.layers.length - 1;
    expect(omit).toBe(3);
    const tag = `codec-test/upper-copy:${run}`;
    const write = writeImage(image, await loadLayers(image), [tag], omit);
    await expectLoaded(tag, write, id, [...shared, ...top]);
  });

  it('fails the load, in its progress stream, when the engine lacks that chain', async () => {
    const layers = layersFor('absent', 2);
    const ref = `codec-test/absent:${run}`;
    await build(ref, layers);
    sink = new TempDirSink();
    sinks.push(sink);
    const image = await saveAndRead(docker, ref, sink);
    await removeImage(docker, ref);
    const tag = `codec-test/absent-copy:${run}`;
    created.add(tag);
    const result = await loadInto(docker, writeImage(image, await loadLayers(image), [tag], 2));
    expect(result.error).toMatch(/layer\.tar/);
    await expect(docker.getImage(tag).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
