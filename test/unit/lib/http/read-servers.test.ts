import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentService } from '../../../../agent/agent-service.js';
import { createAgentApp } from '../../../../agent/http.js';
import { type EngineFeed, startEngineFeed } from '../../../../client/services/engine-feed.js';
import type { ResolvedImage } from '../../../../client/services/resolve-image.js';
import { sha256Digest } from '../../../../lib/digest.js';
import type { ByteRange } from '../../../../lib/http/range.js';
import { createApp } from '../../../../registry/http/app.js';
import type { HttpDeps } from '../../../../registry/http/route.js';
import { createMetrics } from '../../../../registry/metrics.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { testLogger } from '../../../helpers/test-logger.js';
import { firstError, serve } from './serve.js';

const bytes = Buffer.from('0123456789abcdefghij');
const digest = sha256Digest(bytes);

/** The registry's app over a blob store holding `bytes` (every repository holds it). */
function registryApp() {
  const blobs = {
    get: () => ({ digest, size: bytes.length }),
    heldBy: () => true,
    open: async (_d: string, r?: ByteRange) =>
      Readable.from([r ? bytes.subarray(r.start, r.end + 1) : bytes]),
    touch: () => {},
  };
  const deps = {
    logger: testLogger(),
    blobs,
    authReads: false,
    publicUrl: () => 'http://127.0.0.1',
  } as unknown as HttpDeps;
  return createApp(deps, createMetrics(new Registry(), { blobsStored: () => 0 }));
}

/** The agent's app over a cache holding `bytes` in `file`. */
function agentApp(file: string) {
  const service = {
    blobSize: async () => bytes.length,
    openBlob: async () => ({ path: file, size: bytes.length, release: () => {} }),
  } as unknown as AgentService;
  return createAgentApp(service, { registryUrl: 'http://127.0.0.1', onError: () => {} });
}

/** An engine feed whose image's config blob is `bytes`. */
function feed(): Promise<EngineFeed> {
  const manifestBody = Buffer.from('{}');
  const image = {
    manifestDigest: sha256Digest(manifestBody),
    manifest: { layers: [] },
    manifestBody,
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    configDigest: digest,
    config: bytes,
  } as unknown as ResolvedImage;
  return startEngineFeed('team/app', image, async () => createReadStream('/dev/null'));
}

interface Answer {
  status: number;
  contentRange: string | null;
  contentLength: string | null;
  body: string;
}

describe('the OCI read servers (registry, agent, engine feed) answer a Range alike', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const servers: { name: string; blobUrl: string; close(): Promise<void> }[] = [];
  beforeAll(async () => {
    tmp = await tempDir();
    const file = join(tmp.dir, 'blob');
    await writeFile(file, bytes);
    const registry = await serve(registryApp());
    servers.push({
      name: 'registry',
      blobUrl: `${registry.url}/v2/team/app/blobs/${digest}`,
      ...registry,
    });
    const agent = await serve(agentApp(file));
    servers.push({ name: 'agent', blobUrl: `${agent.url}/v2/team/app/blobs/${digest}`, ...agent });
    const f = await feed();
    const repo = f.reference.slice(0, f.reference.indexOf('@'));
    const [host] = repo.split('/');
    servers.push({
      name: 'engine feed',
      blobUrl: `http://${host}/v2/${repo.slice(host!.length + 1)}/blobs/${digest}`,
      close: () => f.close(),
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await tmp?.cleanup();
  });

  const answers = async (range: string, method = 'GET') => {
    const out: Record<string, Answer> = {};
    for (const s of servers) {
      const res = await fetch(s.blobUrl, { method, headers: { Range: range } });
      out[s.name] = {
        status: res.status,
        contentRange: res.headers.get('content-range'),
        contentLength: res.headers.get('content-length'),
        body: res.status === 416 ? (await firstError(res)).code : await res.text(),
      };
    }
    return out;
  };

  const alike = (all: Record<string, Answer>): Answer => {
    const [first, ...rest] = Object.values(all);
    for (const a of rest) expect(a).toEqual(first);
    return first!;
  };

  it('ignores a Range that does not parse: 200 with the whole blob', async () => {
    expect(alike(await answers('bytes=abc'))).toEqual({
      status: 200,
      contentRange: null,
      contentLength: String(bytes.length),
      body: bytes.toString(),
    });
  });

  it('ignores a unit other than bytes', async () => {
    expect(alike(await answers('items=0-1')).status).toBe(200);
  });

  it('answers one range 206 with Content-Range', async () => {
    expect(alike(await answers('bytes=2-5'))).toEqual({
      status: 206,
      contentRange: `bytes 2-5/${bytes.length}`,
      contentLength: '4',
      body: '2345',
    });
    expect(alike(await answers('bytes=-500')).contentRange).toBe(`bytes 0-19/${bytes.length}`);
    expect(alike(await answers('bytes=2-5', 'HEAD')).status).toBe(206);
  });

  it('answers an unsatisfiable range 416 RANGE_INVALID with Content-Range: bytes */size', async () => {
    expect(alike(await answers('bytes=100-'))).toMatchObject({
      status: 416,
      contentRange: `bytes */${bytes.length}`,
      body: 'RANGE_INVALID',
    });
  });
});
