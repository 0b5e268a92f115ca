import type { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { digestHex, sha256Digest } from '../digest.js';
import { ArchiveError } from '../errors.js';
import { parseReference } from '../reference.js';
import { chainIds } from './chain-id.js';
import { configDiffIds, invalid, isObject, parseJson } from './resolve.js';
import type { LoadLayer } from './types.js';

export interface LoadArchiveOptions {
  /** The image config JSON, byte for byte: its sha256 becomes the image ID. */
  config: Buffer;
  /** One per config rootfs.diff_ids entry, bottom first. */
  layers: LoadLayer[];
  /** `name:tag` references the engine tags the image with. */
  repoTags: string[];
  /**
   * Leave out the files of the bottom `omitLayers` layers. The engine (moby
   * image/tarexport/load.go) opens a layer file only when it lacks the layer's ChainID, so
   * this loads only when the engine already has that lower chain; otherwise the load
   * fails with an errorDetail in its progress stream.
   */
  omitLayers?: number;
}

const EPOCH = new Date(0);
const V1_CREATED = '1970-01-01T00:00:00Z';

/**
 * Writes a `docker load` tarball in the legacy docker save layout, which every engine
 * loads (moby image/tarexport): `<configHex>.json`, per layer `<layerId>/{VERSION,json,
 * layer.tar}`, then `manifest.json` ([{Config, RepoTags, Layers}]) and `repositories`.
 * `<layerId>` is the hex of the layer's ChainID, not docker's v1 ID (a hash of a Go
 * serialisation of the v1 image): engines since 1.10 load by manifest.json and ignore
 * the v1 IDs, which only need to be unique per layer chain. The per-layer `json` holds
 * the v1 fields a manifest-less loader needs (id, parent, created, os).
 * Layer bytes are copied as they are: plain tar or gzip, the engine detects which.
 * Ends `out` on success; destroys it on failure and rejects (ArchiveError
 * 'invalid-manifest' when the layers do not match the config).
 */
export async function writeLoadArchive(opts: LoadArchiveOptions, out: Writable): Promise<void> {
  const pack = tar.pack();
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.on('error', reject);
    pack.on('error', reject);
  });
  finished.catch(() => {});
  pack.pipe(out);
  try {
    await writeEntries(pack, opts);
    pack.finalize();
    await finished;
  } catch (err) {
    pack.destroy(err as Error);
    out.destroy(err as Error);
    throw err;
  }
}

async function writeEntries(pack: tar.Pack, opts: LoadArchiveOptions): Promise<void> {
  const config = parseJson(opts.config, 'config');
  const diffIds = configDiffIds(config, 'config');
  if (diffIds.length !== opts.layers.length) {
    throw invalid('config', `${opts.layers.length} layers given for ${diffIds.length} diffIDs`);
  }
  for (const [i, layer] of opts.layers.entries()) {
    if (layer.diffId !== diffIds[i]) {
      throw invalid('config', `layer ${i} is ${layer.diffId}, config says ${diffIds[i]}`);
    }
  }
  const omit = opts.omitLayers ?? 0;
  if (!Number.isInteger(omit) || omit < 0 || omit > opts.layers.length) {
    throw new ArchiveError('invalid-manifest', `omitLayers ${omit} is out of range`);
  }
  const ids = chainIds(diffIds).map(digestHex);
  const configName = `${digestHex(sha256Digest(opts.config))}.json`;
  await add(pack, configName, opts.config);
  for (const [i, layer] of opts.layers.entries()) {
    if (i < omit) continue;
    const id = ids[i]!;
    await add(pack, `${id}/`, undefined);
    await add(pack, `${id}/VERSION`, Buffer.from('1.0'));
    await add(pack, `${id}/json`, Buffer.from(JSON.stringify(v1Json(config, ids, i))));
    await addStream(pack, `${id}/layer.tar`, layer.size, await layer.open());
  }
  const manifest = [
    { Config: configName, RepoTags: opts.repoTags, Layers: ids.map((id) => `${id}/layer.tar`) },
  ];
  await add(pack, 'manifest.json', Buffer.from(JSON.stringify(manifest)));
  await add(pack, 'repositories', Buffer.from(JSON.stringify(repositories(opts.repoTags, ids))));
}

function v1Json(config: unknown, ids: string[], i: number): Record<string, unknown> {
  const c = isObject(config) ? config : {};
  const top = i === ids.length - 1;
  return {
    id: ids[i],
    ...(i > 0 ? { parent: ids[i - 1] } : {}),
    created: top && typeof c.created === 'string' ? c.created : V1_CREATED,
    ...(top && isObject(c.config) ? { config: c.config } : {}),
    ...(typeof c.architecture === 'string' ? { architecture: c.architecture } : {}),
    ...(typeof c.os === 'string' ? { os: c.os } : {}),
  };
}

/** The v1 `repositories` file: {repo: {tag: topLayerId}}. */
function repositories(repoTags: string[], ids: string[]): Record<string, Record<string, string>> {
  const top = ids[ids.length - 1];
  const out: Record<string, Record<string, string>> = {};
  if (top === undefined) return out;
  for (const repoTag of repoTags) {
    const ref = parseReference(repoTag);
    if (ref.tag === undefined) continue;
    const repo = repoTag.slice(0, repoTag.length - ref.tag.length - 1);
    out[repo] = { ...out[repo], [ref.tag]: top };
  }
  return out;
}

function add(pack: tar.Pack, name: string, body: Buffer | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const header = body
      ? { name, mtime: EPOCH, mode: 0o644 }
      : { name, mtime: EPOCH, mode: 0o755, type: 'directory' as const };
    const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body) pack.entry(header, body, cb);
    else pack.entry(header, cb);
  });
}

function addStream(pack: tar.Pack, name: string, size: number, body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry({ name, size, mtime: EPOCH, mode: 0o644 }, (err) =>
      err ? reject(err) : resolve(),
    );
    entry.on('error', reject);
    body.once('error', (err) => {
      entry.destroy(err);
      reject(err);
    });
    body.pipe(entry as unknown as NodeJS.WritableStream);
  });
}
