import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerEngine, EngineImage } from '../../../client/docker-engine.js';
import { startEngineFeed } from '../../../client/services/engine-feed.js';
import { pullThroughEngine } from '../../../client/services/engine-pull.js';
import type { ResolvedImage } from '../../../client/services/resolve-image.js';
import { sha256Digest } from '../../../lib/digest.js';
import { tempDir } from '../../helpers/temp-dir.js';

const layerBytes = Buffer.from('layer bytes, as a tar would be');
const layerDigest = sha256Digest(layerBytes);
const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [layerDigest] } }));
const manifestBody = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    config: { digest: sha256Digest(config), size: config.length },
    layers: [{ digest: layerDigest, size: layerBytes.length }],
  }),
);
const image = {
  manifestDigest: sha256Digest(manifestBody),
  manifest: JSON.parse(manifestBody.toString()),
  manifestBody,
  manifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  configDigest: sha256Digest(config),
  config,
  diffIds: [layerDigest],
} as ResolvedImage;

/** A stand-in engine whose pull is `pull` (real HTTP against the feed, or a failure). */
function engine(pull: (reference: string) => Promise<void>): DockerEngine & { calls: string[] } {
  const calls: string[] = [];
  const id = image.configDigest as string;
  return {
    calls,
    pullImage: async (reference) => {
      calls.push(`pull ${reference}`);
      await pull(reference);
    },
    inspectImage: async (): Promise<EngineImage> => ({ id, diffIds: [], repoTags: [] }),
    tagImage: async (_id, repo, tag) => void calls.push(`tag ${repo}:${tag}`),
    removeImage: async (ref) => void calls.push(`rm ${ref}`),
    isLocal: () => true,
    exportImage: () => Promise.reject(new Error('unused')),
    loadImage: () => Promise.reject(new Error('unused')),
    listLayerLists: () => Promise.reject(new Error('unused')),
  };
}

describe('engine feed (the one-image registry a local engine pulls from)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let layerFile: string;
  beforeAll(async () => {
    tmp = await tempDir();
    layerFile = join(tmp.dir, 'layer');
    await writeFile(layerFile, layerBytes);
  });
  afterAll(async () => tmp?.cleanup());

  it('serves the manifest, the config and a layer once its bytes come; nothing else', async () => {
    let release!: () => void;
    const verified = new Promise<void>((resolve) => {
      release = resolve;
    });
    const feed = await startEngineFeed('team/app', image, async () => {
      await verified;
      return createReadStream(layerFile);
    });
    try {
      const [host, rest] = [feed.reference.split('/')[0], feed.reference.split('@')[0]];
      const repo = rest?.slice((host?.length ?? 0) + 1);
      expect(repo).toMatch(/^docket-[0-9a-f]{16}\/team\/app$/);
      const base = `http://${host}/v2/${repo}`;
      expect((await fetch(`http://${host}/v2/`)).status).toBe(200);
      const m = await fetch(`${base}/manifests/${image.manifestDigest}`);
      expect(m.headers.get('content-type')).toBe(image.manifestMediaType);
      expect(Buffer.from(await m.arrayBuffer()).equals(manifestBody)).toBe(true);
      const c = Buffer.from(
        await (await fetch(`${base}/blobs/${image.configDigest}`)).arrayBuffer(),
      );
      expect(c.equals(config)).toBe(true);
      // The layer's answer waits for its bytes; a HEAD does not.
      const head = await fetch(`${base}/blobs/${layerDigest}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(layerBytes.length));
      let answered = false;
      const layer = fetch(`${base}/blobs/${layerDigest}`).then((r) => {
        answered = true;
        return r.arrayBuffer();
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(answered).toBe(false);
      release();
      const got = Buffer.from(await layer);
      expect(createHash('sha256').update(got).digest('hex')).toBe(layerDigest.slice(7));
      expect((await fetch(`${base}/blobs/${sha256Digest('other')}`)).status).toBe(404);
      expect((await fetch(`http://${host}/v2/docket-guess/team/app/manifests/latest`)).status).toBe(
        404,
      );
      expect((await fetch(`${base}/blobs/${layerDigest}`, { method: 'DELETE' })).status).toBe(405);
      expect(feed.reached()).toBe(true);
    } finally {
      await feed.close();
    }
  });

  it('ends a layer response early when its bytes stop coming (a failed fetch)', async () => {
    const feed = await startEngineFeed('team/app', image, async () => {
      const body = new PassThrough();
      body.write(layerBytes.subarray(0, 5));
      setTimeout(() => body.destroy(new Error('the download failed')), 20);
      return body;
    });
    try {
      const [host, rest] = [feed.reference.split('/')[0], feed.reference.split('@')[0]];
      const repo = rest?.slice((host?.length ?? 0) + 1);
      const res = await fetch(`http://${host}/v2/${repo}/blobs/${layerDigest}`);
      expect(res.status).toBe(200);
      // Fewer bytes than its Content-Length, then the connection ends: an error to the reader.
      await expect(res.arrayBuffer()).rejects.toThrow();
    } finally {
      await feed.close();
    }
  });

  it('pullThroughEngine tags the pulled image and drops the temporary reference', async () => {
    const e = engine(async (reference) => {
      const [host, rest] = [reference.split('/')[0], reference.split('@')[0]];
      const repo = rest?.slice((host?.length ?? 0) + 1);
      const res = await fetch(`http://${host}/v2/${repo}/blobs/${layerDigest}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });
    const id = await pullThroughEngine(
      { engine: e, signal: new AbortController().signal },
      {
        repository: 'team/app',
        reference: 'v1',
        localTags: [{ repo: 'reg:5000/team/app', tag: 'v1' }],
      },
      image,
      async () => createReadStream(layerFile),
    );
    expect(id).toBe(image.configDigest);
    expect(e.calls[0]).toMatch(/^pull 127\.0\.0\.1:\d+\/docket-[0-9a-f]+\/team\/app@sha256:/);
    expect(e.calls.slice(1)).toEqual(['tag reg:5000/team/app:v1', `rm ${e.calls[0]?.slice(5)}`]);
  });

  it('pullThroughEngine answers undefined (load instead) when the engine never reached the feed', async () => {
    const e = engine(async () => {
      throw new Error('dial tcp 127.0.0.1: connection refused');
    });
    const id = await pullThroughEngine(
      { engine: e, signal: new AbortController().signal },
      { repository: 'team/app', reference: 'v1', localTags: [{ repo: 'reg/team/app', tag: 'v1' }] },
      image,
      async () => createReadStream(layerFile),
    );
    expect(id).toBeUndefined();
    expect(e.calls).toHaveLength(1);
  });
});
