import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../lib/digest.js';
import { TokenService } from '../../../registry/services/tokens.js';
import { openTestMetadata, startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { client, expectError, leftovers } from './http.js';

/** Issue #11 finding 5: upload sessions are atomic, bound to repository and token, and expire. */
describe('upload sessions', () => {
  let reg: TestRegistry;
  let api: ReturnType<typeof client>;
  let dataDir: string;
  let otherToken: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'docket-upload-sessions-'));
    const metadata = await openTestMetadata(dataDir);
    otherToken = new TokenService(metadata).create({ name: 'other', scopes: ['push:**'] }).token;
    metadata.close();
    reg = await startTestRegistry({ dataDir });
    api = client(reg);
  });
  afterAll(async () => {
    await reg?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const open = async (name: string): Promise<string> => {
    const res = await api.request('POST', `/v2/${name}/blobs/uploads/`);
    expect(res.status).toBe(202);
    return new URL(res.headers.get('Location')!, reg.url).pathname;
  };

  it('lets one of two PATCHes at the same offset in, the other gets 416', async () => {
    const location = await open('reg/race');
    const patch = (bytes: string) => {
      const req = httpRequest(`${reg.url}${location}`, {
        method: 'PATCH',
        headers: {
          Authorization: `Bearer ${reg.token}`,
          'Content-Type': 'application/octet-stream',
          'Content-Range': `0-${bytes.length - 1}`,
          'Content-Length': String(bytes.length),
        },
      });
      const status = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
      req.flushHeaders();
      return { send: () => req.end(bytes), status };
    };
    // Both requests' headers reach the registry before either body does.
    const a = patch('aaaa');
    const b = patch('bbbb');
    expect((await api.request('GET', location)).status).toBe(204);
    a.send();
    b.send();
    expect([await a.status, await b.status].sort()).toEqual([202, 416]);
    const status = await api.request('GET', location);
    expect(status.headers.get('Range')).toBe('0-3');
  });

  it('answers only to the repository and the token that opened the session', async () => {
    const location = await open('reg/a');
    const body = Buffer.from('bound to reg/a');
    const digest = sha256Digest(body);
    const elsewhere = (name: string) => location.replace('/v2/reg/a/', `/v2/${name}/`);
    await expectError(
      await api.request('PATCH', elsewhere('reg/b'), { body }),
      404,
      'BLOB_UPLOAD_UNKNOWN',
    );
    await expectError(
      await api.request('PUT', `${elsewhere('reg/c')}?digest=${digest}`, { body }),
      404,
      'BLOB_UPLOAD_UNKNOWN',
    );
    await expectError(await api.request('GET', elsewhere('reg/b')), 404, 'BLOB_UPLOAD_UNKNOWN');
    const other = { Authorization: `Bearer ${otherToken}` };
    await expectError(
      await api.request('PATCH', location, { body, anonymous: true, headers: other }),
      404,
      'BLOB_UPLOAD_UNKNOWN',
    );
    await expectError(
      await api.request('DELETE', location, { anonymous: true, headers: other }),
      404,
      'BLOB_UPLOAD_UNKNOWN',
    );
    const done = await api.request('PUT', `${location}?digest=${digest}`, { body });
    expect(done.status, await done.text()).toBe(201);
    await expectError(await api.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('expires an idle session and removes its bytes', async () => {
    const short = await startTestRegistry({ uploadTtlMs: 200 });
    try {
      const shortApi = client(short);
      const res = await shortApi.request('POST', '/v2/reg/idle/blobs/uploads/');
      const location = new URL(res.headers.get('Location')!, short.url).pathname;
      expect(
        (await shortApi.request('PATCH', location, { body: Buffer.from('partial') })).status,
      ).toBe(202);
      expect(leftovers(short)).toHaveLength(1);
      const deadline = Date.now() + 10_000;
      while (leftovers(short).length > 0 && Date.now() < deadline) await delay(50);
      expect(leftovers(short)).toEqual([]);
      await expectError(await shortApi.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
    } finally {
      await short.close();
    }
  });
});
