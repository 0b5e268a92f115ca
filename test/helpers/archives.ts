import { createWriteStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { type Digest, digestHex, sha256Digest } from '../../lib/digest.js';
import type { BlobSink } from '../../lib/archive/types.js';

/** A BlobSink writing each entry to a file in its own temp dir; handles are file paths. */
export class TempDirSink implements BlobSink<string> {
  readonly dir = mkdtempSync(join(tmpdir(), 'codec-test-sink-'));
  /** Handles of entries stored successfully (a failed store leaves no file). */
  readonly stored: string[] = [];
  readonly discarded: string[] = [];
  private next = 0;

  async store(body: Readable, _info: { path: string; size: number }): Promise<string> {
    const file = join(this.dir, String(this.next++));
    try {
      await pipeline(body, createWriteStream(file));
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    this.stored.push(file);
    return file;
  }

  async discard(handle: string): Promise<void> {
    this.discarded.push(handle);
    await unlink(handle);
  }

  /** Files still in the sink's dir. */
  remaining(): string[] {
    return readdirSync(this.dir);
  }

  /** True when every stored handle lies inside the sink's dir. */
  storedInside(): boolean {
    return this.stored.every((f) => !relative(this.dir, f).startsWith('..'));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface FixtureEntry {
  name: string;
  body?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

/** Packs entries, in order, into a tar. */
export async function buildTar(entries: FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, mtime: new Date(0), linkname: e.linkname ?? '' };
    if (type === 'file') pack.entry(header, e.body ?? '');
    else pack.entry(header);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface FixtureLayer {
  /** The layer tar (uncompressed). */
  tar: Buffer;
  diffId: Digest;
  /** The bytes as they go into the archive (gzipped when asked). */
  blob: Buffer;
  digest: Digest;
}

/** A layer tar holding `data/<name>` files; gzip-compressed in the archive when `gzip`. */
export async function fixtureLayer(
  files: Record<string, string>,
  gzip = false,
): Promise<FixtureLayer> {
  const layerTar = await buildTar([
    { name: 'data/', type: 'directory' },
    ...Object.entries(files).map(([name, body]) => ({ name: `data/${name}`, body })),
  ]);
  const blob = gzip ? gzipSync(layerTar) : layerTar;
  return { tar: layerTar, diffId: sha256Digest(layerTar), blob, digest: sha256Digest(blob) };
}

export function fixtureConfig(diffIds: Digest[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
}

/**
 * Entries of a legacy docker save archive, in the order Docker 20.10 writes them:
 * layer dirs, config, then manifest.json and repositories last.
 */
export function legacyEntries(layers: FixtureLayer[], tags: string[]): FixtureEntry[] {
  const config = fixtureConfig(layers.map((l) => l.diffId));
  const configName = `${digestHex(sha256Digest(config))}.json`;
  const ids = layers.map((l, i) => digestHex(sha256Digest(`v1:${i}:${l.diffId}`)));
  const entries: FixtureEntry[] = [];
  layers.forEach((l, i) => {
    entries.push(
      { name: `${ids[i]}/`, type: 'directory' },
      { name: `${ids[i]}/VERSION`, body: '1.0' },
      { name: `${ids[i]}/json`, body: JSON.stringify({ id: ids[i] }) },
      { name: `${ids[i]}/layer.tar`, body: l.blob },
    );
  });
  entries.push({ name: configName, body: config });
  entries.push({
    name: 'manifest.json',
    body: JSON.stringify([
      { Config: configName, RepoTags: tags, Layers: ids.map((id) => `${id}/layer.tar`) },
    ]),
  });
  entries.push({ name: 'repositories', body: '{}' });
  return entries;
}

function ociManifest(config: Buffer, layers: FixtureLayer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256Digest(config),
        size: config.length,
      },
      layers: layers.map((l) => ({
        mediaType:
          l.blob === l.tar
            ? 'application/vnd.oci.image.layer.v1.tar'
            : 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.blob.length,
      })),
    }),
  );
}

const blob = (bytes: Buffer): FixtureEntry => ({
  name: `blobs/sha256/${digestHex(sha256Digest(bytes))}`,
  body: bytes,
});

/**
 * Entries of an OCI image-layout archive (skopeo oci-archive:). `annotations` go on the
 * index's manifest descriptor. With `dockerManifest`, also Docker 25+'s manifest.json.
 */
export function ociEntries(
  layers: FixtureLayer[],
  opts: { annotations?: Record<string, string>; dockerManifest?: string[] } = {},
): FixtureEntry[] {
  const config = fixtureConfig(layers.map((l) => l.diffId));
  const manifest = ociManifest(config, layers);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha256Digest(manifest),
        size: manifest.length,
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      },
    ],
  };
  const entries: FixtureEntry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...layers.map((l) => blob(l.blob)),
    blob(config),
    blob(manifest),
    { name: 'index.json', body: JSON.stringify(index) },
    { name: 'oci-layout', body: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
  ];
  if (opts.dockerManifest) {
    const item = {
      Config: `blobs/sha256/${digestHex(sha256Digest(config))}`,
      RepoTags: opts.dockerManifest,
      Layers: layers.map((l) => `blobs/sha256/${digestHex(l.digest)}`),
    };
    entries.push({ name: 'manifest.json', body: JSON.stringify([item]) });
  }
  return entries;
}
