import { Readable } from 'node:stream';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Digest, sha256Digest } from '../../../lib/digest.js';
import { hashBlobTorrentInfo } from '../../../lib/torrent.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { blobFiles, client, expectError, leftovers } from './http.js';

describe('blob uploads and downloads', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    reg = await startTestRegistry({ maxUploadBytes: 4096 });
    api = client(reg);
  });
  afterAll(() => reg?.close());

  it('answers GET /v2/ with the API version header', async () => {
    const res = await api.request('GET', '/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('Docker-Distribution-API-Version')).toBe('registry/2.0');
    expect(await res.json()).toEqual({});
  });

  it('takes a chunked upload, in order only', async () => {
    const bytes = Buffer.from('0123456789abcdefghij');
    const start = await api.request('POST', '/v2/reg/chunked/blobs/uploads/');
    expect(start.status).toBe(202);
    const location = start.headers.get('Location')!;
    expect(start.headers.get('Docker-Upload-UUID')).toBeTruthy();
    const patch = (from: number, to: number) =>
      api.request('PATCH', location, {
        body: bytes.subarray(from, to + 1),
        headers: { 'Content-Range': `${from}-${to}`, 'Content-Type': 'application/octet-stream' },
      });
    const first = await patch(0, 9);
    expect(first.status).toBe(202);
    expect(first.headers.get('Range')).toBe('0-9');
    await expectError(await patch(12, 19), 416, 'RANGE_INVALID');
    expect((await patch(10, 19)).status).toBe(202);
    const status = await api.request('GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.get('Range')).toBe('0-19');
    const digest = sha256Digest(bytes);
    const done = await api.request('PUT', `${location}?digest=${digest}`);
    expect(done.status).toBe(201);
    expect(done.headers.get('Location')).toBe(`/v2/reg/chunked/blobs/${digest}`);
    expect(done.headers.get('Docker-Content-Digest')).toBe(digest);
    const get = await api.request('GET', `/v2/reg/chunked/blobs/${digest}`);
    expect(Buffer.from(await get.arrayBuffer())).toEqual(bytes);
    expect(leftovers(reg)).toEqual([]);
  });

  it('records the torrent of each blob as stored: chunked, monolithic, with no length', async () => {
    const torrentInfo = async (digest: Digest) => {
      const res = await api.request('GET', `/docket/v1/blobs/${digest}/torrent`);
      expect(res.status).toBe(200);
      const decoded = bencode.decode(Buffer.from(await res.arrayBuffer())) as { info: unknown };
      return Buffer.from(bencode.encode(decoded.info));
    };
    const expected = async (bytes: Buffer) =>
      (await hashBlobTorrentInfo(Readable.from([bytes]), bytes.length)).info;

    const chunked = Buffer.alloc(3000, 'c');
    const start = await api.request('POST', '/v2/reg/torrents/blobs/uploads/');
    const location = start.headers.get('Location')!;
    await api.request('PATCH', location, { body: chunked.subarray(0, 1000) });
    await api.request('PATCH', location, { body: chunked.subarray(1000) });
    const done = await api.request('PUT', `${location}?digest=${sha256Digest(chunked)}`);
    expect(done.status).toBe(201);
    expect(await torrentInfo(sha256Digest(chunked))).toEqual(await expected(chunked));

    const monolithic = Buffer.alloc(2000, 'm');
    const digest = await api.pushBlob('reg/torrents', monolithic);
    expect(await torrentInfo(digest)).toEqual(await expected(monolithic));

    const unsized = Buffer.alloc(1000, 'u');
    const res = await api.request(
      'POST',
      `/v2/reg/torrents/blobs/uploads/?digest=${sha256Digest(unsized)}`,
      { body: Readable.toWeb(Readable.from([unsized])) as ReadableStream, duplex: 'half' },
    );
    expect(res.status, await res.text()).toBe(201);
    expect(await torrentInfo(sha256Digest(unsized))).toEqual(await expected(unsized));
    expect(leftovers(reg)).toEqual([]);
  });

  it('serves HEAD and byte ranges (206, 416)', async () => {
    const bytes = Buffer.from('range me please');
    const digest = await api.pushBlob('reg/range', bytes);
    const head = await api.request('HEAD', `/v2/reg/range/blobs/${digest}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(bytes.length));
    expect(head.headers.get('Docker-Content-Digest')).toBe(digest);
    for (const path of [`/v2/reg/range/blobs/${digest}`, `/docket/v1/blobs/${digest}`]) {
      const part = await api.request('GET', path, {
        headers: { Range: 'bytes=6-7' },
        anonymous: true,
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('Content-Range')).toBe(`bytes 6-7/${bytes.length}`);
      expect(await part.text()).toBe('me');
      const bad = await api.request('GET', path, { headers: { Range: 'bytes=100-200' } });
      await expectError(bad, 416, 'RANGE_INVALID');
    }
  });

  it('refuses a wrong digest or size and keeps nothing', async () => {
    const before = blobFiles(reg);
    const wrong = sha256Digest('something else');
    const mono = await api.request('POST', `/v2/reg/bad/blobs/uploads/?digest=${wrong}`, {
      body: Buffer.from('content'),
    });
    await expectError(mono, 400, 'DIGEST_INVALID');
    const start = await api.request('POST', '/v2/reg/bad/blobs/uploads/');
    const location = start.headers.get('Location')!;
    await api.request('PATCH', location, { body: Buffer.from('abc') });
    await expectError(
      await api.request('PUT', `${location}?digest=${wrong}`),
      400,
      'DIGEST_INVALID',
    );
    await expectError(await api.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
    const sized = await api.request(
      'POST',
      `/v2/reg/bad/blobs/uploads/?digest=${sha256Digest('abc')}`,
      {
        body: Buffer.from('abc'),
        headers: { 'Content-Length': '3' },
      },
    );
    expect(sized.status).toBe(201);
    expect(blobFiles(reg).length).toBe(before.length + 1);
    expect(leftovers(reg)).toEqual([]);
  });

  it('refuses bodies over --max-upload-bytes with 413, keeping nothing', async () => {
    const big = Buffer.alloc(5000, 7);
    const before = blobFiles(reg);
    const mono = await api.request(
      'POST',
      `/v2/reg/big/blobs/uploads/?digest=${sha256Digest(big)}`,
      {
        body: big,
      },
    );
    await expectError(mono, 413, 'PAYLOAD_TOO_LARGE');
    const start = await api.request('POST', '/v2/reg/big/blobs/uploads/');
    const location = start.headers.get('Location')!;
    const streamed = new ReadableStream({
      start(c) {
        c.enqueue(big);
        c.close();
      },
    });
    const patch = await api.request('PATCH', location, {
      body: streamed,
      duplex: 'half',
    } as RequestInit);
    await expectError(patch, 413, 'PAYLOAD_TOO_LARGE');
    await api.request('DELETE', location);
    expect(blobFiles(reg)).toEqual(before);
    expect(leftovers(reg)).toEqual([]);
  });

  it('cancels uploads and reports unknown ones', async () => {
    const start = await api.request('POST', '/v2/reg/cancel/blobs/uploads/');
    const location = start.headers.get('Location')!;
    expect((await api.request('DELETE', location)).status).toBe(204);
    await expectError(await api.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectError(
      await api.request('PATCH', '/v2/reg/cancel/blobs/uploads/not-an-upload', { body: 'x' }),
      404,
      'BLOB_UPLOAD_UNKNOWN',
    );
  });

  it('mounts a known blob across repositories, else starts an upload', async () => {
    const digest = await api.pushBlob('reg/from', Buffer.from('mount me'));
    const mounted = await api.request(
      'POST',
      `/v2/reg/to/blobs/uploads/?mount=${digest}&from=reg/from`,
    );
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('Location')).toBe(`/v2/reg/to/blobs/${digest}`);
    const unknown = sha256Digest('never pushed');
    const started = await api.request(
      'POST',
      `/v2/reg/to/blobs/uploads/?mount=${unknown}&from=reg/from`,
    );
    expect(started.status).toBe(202);
    await api.request('DELETE', started.headers.get('Location')!);
  });

  it('maps bad names, digests and credentials to their codes', async () => {
    await expectError(
      await api.request('POST', '/v2/Bad_Name/blobs/uploads/'),
      400,
      'NAME_INVALID',
    );
    await expectError(
      await api.request('GET', '/v2/reg/x/blobs/sha256:abc'),
      400,
      'DIGEST_INVALID',
    );
    await expectError(
      await api.request('GET', `/v2/reg/x/blobs/${sha256Digest('none')}`),
      404,
      'BLOB_UNKNOWN',
    );
    const anon = await api.request('POST', '/v2/reg/x/blobs/uploads/', { anonymous: true });
    await expectError(anon, 401, 'UNAUTHORIZED');
    expect(anon.headers.get('WWW-Authenticate')).toBe(
      `Bearer realm="${reg.url}/v2/token",service="docket",scope="repository:reg/x:pull,push"`,
    );
    const basic = `Basic ${Buffer.from(`anyone:${reg.token}`).toString('base64')}`;
    const ok = await api.request('POST', '/v2/reg/x/blobs/uploads/', {
      anonymous: true,
      headers: { Authorization: basic },
    });
    expect(ok.status).toBe(202);
    const wrong = await api.request('POST', '/v2/reg/x/blobs/uploads/', {
      anonymous: true,
      headers: { Authorization: 'Bearer nope' },
    });
    await expectError(wrong, 401, 'UNAUTHORIZED');
  });
});
