import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentService } from '../../../agent/agent-service.js';
import { createAgentApp } from '../../../agent/http.js';
import { NotFoundError, RegistryError, RegistryUnreachableError } from '../../../client/errors.js';
import { sha256Digest } from '../../../lib/digest.js';
import { DigestMismatchError, UnauthorizedError } from '../../../lib/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { firstError, serve } from '../lib/http/serve.js';
import { preheatMatcher } from '../../../agent/preheat-watch.js';
import { readServerSentEvents } from '../../../agent/sse.js';

describe('createAgentApp', () => {
  const bytes = Buffer.from('some blob bytes');
  const digest = sha256Digest(bytes);
  /** What the registry behind the agent fails a manifest GET with, by tag. */
  const upstream: Record<string, Error> = {
    missing: new NotFoundError(404, 'MANIFEST_UNKNOWN', 'manifest unknown'),
    down: new RegistryUnreachableError('http://registry', 'ECONNREFUSED'),
    refused: new UnauthorizedError('invalid credentials'),
    corrupt: new DigestMismatchError(digest, sha256Digest('other')),
    broken: new RegistryError(500, 'UNKNOWN', 'registry failed'),
    bug: new TypeError('internal detail'),
  };
  const unknown: unknown[] = [];
  const failed: string[] = [];
  let released = 0;
  let preheats = 0;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    tmp = await tempDir();
    const file = join(tmp.dir, 'blob');
    await writeFile(file, bytes);
    const service = {
      manifest: async (_name: string, reference: string) => {
        throw upstream[reference];
      },
      blobSize: async () => bytes.length,
      referrers: async (_name: string, subject: string, artifactType?: string) => ({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'x', digest: subject, size: 1, artifactType: artifactType ?? 'all' },
        ],
      }),
      preheat: async (repository: string) => {
        preheats++;
        return { repository, manifestDigest: digest, blobs: 1, bytes: 1 };
      },
      openBlob: async () => ({
        path: file,
        size: bytes.length,
        release: () => void released++,
      }),
    } as unknown as AgentService;
    const app = createAgentApp(service, {
      registryUrl: 'http://registry',
      onError: (err) => unknown.push(err),
      onUpstreamError: (err, ctx, answer) =>
        failed.push(`${ctx.path} ${answer.status ?? ''} ${answer.code} ${err.message}`),
    });
    server = await serve(app);
  });
  afterAll(async () => {
    await server?.close();
    await tmp?.cleanup();
  });

  it('answers referrers as an OCI index, saying when it applied an artifactType filter', async () => {
    const all = await fetch(`${server.url}/v2/team/app/referrers/${digest}`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('application/vnd.oci.image.index.v1+json');
    expect(all.headers.get('oci-filters-applied')).toBeNull();
    expect(((await all.json()) as { manifests: { artifactType: string }[] }).manifests).toEqual([
      { mediaType: 'x', digest, size: 1, artifactType: 'all' },
    ]);
    const sig = 'application/vnd.dev.cosign.artifact.sig.v1+json';
    const filtered = await fetch(
      `${server.url}/v2/team/app/referrers/${digest}?artifactType=${encodeURIComponent(sig)}`,
    );
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(
      ((await filtered.json()) as { manifests: { artifactType: string }[] }).manifests[0]
        ?.artifactType,
    ).toBe(sig);
    expect((await fetch(`${server.url}/v2/team/app/referrers/sha256:nothex`)).status).toBe(400);
  });

  it.each([
    ['missing', 404, 'MANIFEST_UNKNOWN'],
    ['down', 503, 'UNAVAILABLE'],
    ['refused', 502, 'DENIED'],
    ['corrupt', 502, 'DIGEST_INVALID'],
    ['broken', 502, 'UNKNOWN'],
    ['bug', 500, 'UNKNOWN'],
  ])('answers a registry that failed with %s: %i %s', async (tag, status, code) => {
    const res = await fetch(`${server.url}/v2/team/app/manifests/${tag}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect((await firstError(res)).code).toBe(code);
  });

  it('reports only the errors it does not know', () => {
    expect(unknown).toEqual([upstream.bug]);
  });

  it('tells of every failure of the registry behind it, with its cause, but not its 404s', () => {
    expect(failed).toEqual([
      '/v2/team/app/manifests/down 503 UNAVAILABLE registry http://registry unreachable (ECONNREFUSED)',
      '/v2/team/app/manifests/refused 502 DENIED invalid credentials',
      `/v2/team/app/manifests/corrupt 502 DIGEST_INVALID ${upstream.corrupt!.message}`,
      '/v2/team/app/manifests/broken 502 UNKNOWN registry failed',
    ]);
  });

  it('is read-only: 405 UNSUPPORTED with Allow', async () => {
    const res = await fetch(`${server.url}/v2/team/app/blobs/${digest}`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await firstError(res)).code).toBe('UNSUPPORTED');
  });

  /** A request with the `Host` given (fetch always sends the URL's). */
  const raw = (
    method: string,
    path: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string }> =>
    new Promise((done, fail) => {
      const req = request(`${server.url}${path}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.on('error', fail);
      req.end(method === 'POST' ? 'x' : undefined);
    });
  const code = (body: string) =>
    (JSON.parse(body) as { errors: { code: string }[] }).errors[0]?.code;

  // Security audit finding 5: with a foreign Host (DNS rebinding) the agent served a
  // private manifest and blob, and took a cross-origin text/plain POST to preheat.
  it('refuses a request naming another host: 403 DENIED, nothing served', async () => {
    released = 0;
    const port = new URL(server.url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`]) {
      const blob = await raw('GET', `/v2/team/app/blobs/${digest}`, { Host: host });
      expect(blob.status, host).toBe(403);
      expect(code(blob.body)).toBe('DENIED');
      expect(blob.body).not.toContain('some blob bytes');
      expect((await raw('GET', '/v2/team/app/manifests/missing', { Host: host })).status).toBe(403);
    }
    expect(released).toBe(0);
  });

  it('answers at its own names: localhost, 127.0.0.1, [::1], with its port', async () => {
    const port = new URL(server.url).port;
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `LocalHost:${port}`,
    ]) {
      const blob = await raw('GET', `/v2/team/app/blobs/${digest}`, { Host: host });
      expect(blob.status, host).toBe(200);
      expect(blob.body).toBe('some blob bytes');
    }
  });

  it('refuses a POST from a page of another origin, takes one with no Origin or its own', async () => {
    preheats = 0;
    const port = new URL(server.url).port;
    const path = '/docket/v1/agent/preheat/team/app/v1';
    const host = `127.0.0.1:${port}`;
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${port}`,
      'null',
      `https://${host}`,
    ]) {
      const res = await raw('POST', path, {
        Host: host,
        Origin: origin,
        'Content-Type': 'text/plain',
      });
      expect(res.status, origin).toBe(403);
      expect(code(res.body)).toBe('DENIED');
    }
    const foreign = await raw('GET', `/v2/team/app/blobs/${digest}`, {
      Host: host,
      Origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect(preheats).toBe(0);
    expect((await raw('POST', path, { Host: host })).status).toBe(200);
    expect(
      (await raw('POST', path, { Host: host, Origin: `http://localhost:${port}` })).status,
    ).toBe(200);
    expect(preheats).toBe(2);
  });

  it('answers at the names it is told to allow', async () => {
    const app = createAgentApp({ blobSize: async () => 1 } as unknown as AgentService, {
      registryUrl: 'http://registry',
      allowedHosts: ['agent.internal', 'proxy.internal:8080'],
      onError: (err) => unknown.push(err),
    });
    const other = await serve(app);
    try {
      const port = new URL(other.url).port;
      const head = (host: string) =>
        new Promise<number>((done, fail) =>
          request(`${other.url}/v2/`, { headers: { Host: host } }, (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          })
            .on('error', fail)
            .end(),
        );
      expect(await head(`agent.internal:${port}`)).toBe(200);
      expect(await head('proxy.internal:8080')).toBe(200);
      expect(await head(`proxy.internal:${port}`)).toBe(403);
      expect(await head(`evil.example:${port}`)).toBe(403);
    } finally {
      await other.close();
    }
  });

  it('releases the blob it opened, served or refused', async () => {
    released = 0;
    const url = `${server.url}/v2/team/app/blobs/${digest}`;
    const whole = await fetch(url);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
    const refused = await fetch(url, { headers: { Range: 'bytes=999-' } });
    expect(refused.status).toBe(416);
    await refused.arrayBuffer();
    await expect.poll(() => released).toBe(2);
  });
});

describe('preheatMatcher', () => {
  it('matches repositories, or repository:tag when the pattern has a colon', () => {
    const match = preheatMatcher(['team/*', 'ops/app:v?', 'exact']);
    expect(match('team/app', 'v1')).toBe(true);
    expect(match('team/a/b', 'x')).toBe(true);
    expect(match('teams/app', 'v1')).toBe(false);
    expect(match('ops/app', 'v2')).toBe(true);
    expect(match('ops/app', 'v10')).toBe(false);
    expect(match('ops/app')).toBe(false);
    expect(match('exact', 'latest')).toBe(true);
    expect(match('exact.ly', 'latest')).toBe(false);
  });
});

describe('readServerSentEvents', () => {
  it('parses events split across chunks, skipping comments', async () => {
    const chunks = [': hi\n\nid: 1\nevent: pu', 'sh\ndata: {"a":1}\n\r\n', 'data: x\ndata: y\n\n'];
    const events = [];
    for await (const e of readServerSentEvents(Readable.from(chunks))) events.push(e);
    expect(events).toEqual([
      { id: '1', event: 'push', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });
});
