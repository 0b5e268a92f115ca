import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorEnvelope } from '../../../../lib/errcode.js';
import { DigestMismatchError, DocketError, ReferenceInvalidError } from '../../../../lib/errors.js';
import { byClass, errorMiddleware } from '../../../../lib/http/error-middleware.js';
import { RangeNotSatisfiableError } from '../../../../lib/http/errors.js';
import { serve } from './serve.js';

class LocalError extends DocketError {}
class SubReferenceError extends ReferenceInvalidError {}

/** What each path throws (/late: after the body began). */
const THROWS: Record<string, () => unknown> = {
  '/lib': () => new DigestMismatchError('sha256:a', 'sha256:b'),
  '/local': () => new LocalError('nope', { why: 'local' }),
  '/sub': () => new SubReferenceError('x', 'because'),
  '/override': () => new DigestMismatchError('sha256:a', 'sha256:b'),
  '/range': () => new RangeNotSatisfiableError('bytes=9-', 5),
  '/bug': () => new TypeError('secret internals'),
};

describe('errorMiddleware', () => {
  const unknown: unknown[] = [];
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(
      errorMiddleware({
        mappers: [
          (err, ctx) =>
            err instanceof DigestMismatchError && ctx.path === '/override'
              ? { code: 'DIGEST_INVALID', status: 502, headers: { 'X-Why': 'upstream' } }
              : undefined,
          byClass([
            [LocalError, 'DENIED'],
            [SubReferenceError, 'TAG_INVALID'],
          ]),
        ],
        onUnknown: (err) => unknown.push(err),
      }),
    );
    app.use(async (ctx) => {
      ctx.set('Content-Length', '12345');
      ctx.set('Docker-Content-Digest', 'sha256:partial');
      if (ctx.path === '/late') {
        ctx.res.writeHead(200, { 'Content-Length': '100' });
        ctx.res.write('some bytes');
        throw new LocalError('too late to answer');
      }
      throw THROWS[ctx.path]?.();
    });
    server = await serve(app);
  });
  afterAll(() => server.close());

  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return { res, body: (await res.json()) as ErrorEnvelope };
  };

  it("maps lib's errors by class, with the code's status, message and detail", async () => {
    const { res, body } = await get('/lib');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('docker-content-digest')).toBeNull();
    expect(body).toEqual({
      errors: [
        {
          code: 'DIGEST_INVALID',
          message: 'digest mismatch: expected sha256:a, content hashes to sha256:b',
          detail: { expected: 'sha256:a', actual: 'sha256:b' },
        },
      ],
    });
  });

  it("asks the server's mappers first, in order: own classes, subclasses, other statuses", async () => {
    const local = await get('/local');
    expect(local.res.status).toBe(403);
    expect(local.body.errors[0]).toEqual({
      code: 'DENIED',
      message: 'nope',
      detail: { why: 'local' },
    });
    const sub = await get('/sub');
    expect(sub.res.status).toBe(400);
    expect(sub.body.errors[0]?.code).toBe('TAG_INVALID');
    const override = await get('/override');
    expect(override.res.status).toBe(502);
    expect(override.res.headers.get('x-why')).toBe('upstream');
    expect(override.body.errors[0]?.code).toBe('DIGEST_INVALID');
  });

  it('answers an unsatisfiable range 416 with Content-Range: bytes */size', async () => {
    const { res, body } = await get('/range');
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */5');
    expect(body.errors[0]?.code).toBe('RANGE_INVALID');
  });

  it('answers an unknown error 500 UNKNOWN without its message, and reports it', async () => {
    const { res, body } = await get('/bug');
    expect(res.status).toBe(500);
    expect(body).toEqual({ errors: [{ code: 'UNKNOWN', message: 'unknown error', detail: {} }] });
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toBeInstanceOf(TypeError);
  });

  it('cuts the connection when the body had begun', async () => {
    const res = await fetch(`${server.url}/late`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });
});
