import { afterEach, describe, expect, it } from 'vitest';
import type { DockerEngine } from '../../../../client/docker-engine.js';
import { RegistryClient } from '../../../../client/registry-client.js';
import { pushImage } from '../../../../client/services/push.js';
import { UnauthorizedError } from '../../../../lib/errors.js';
import { startHttp, type TestHttpServer } from '../../../helpers/http-server.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/** A wrong token fails the push before the engine is asked for the image (a long export). */
describe('pushImage with a token the registry refuses', () => {
  let server: TestHttpServer | undefined;
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  afterEach(async () => {
    await server?.close();
    await tmp?.cleanup();
  });

  it('fails with UnauthorizedError and never exports the image', async () => {
    tmp = await tempDir('docket-push-access-');
    server = await startHttp((_req, res) => {
      res
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Bearer realm="docket"',
        })
        .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad token' }] }));
    });
    const exported: string[] = [];
    const engine = {
      exportImage: async (ref: string) => {
        exported.push(ref);
        throw new Error('the engine must not be asked');
      },
    } as unknown as DockerEngine;
    const push = pushImage(
      {
        engine,
        registry: new RegistryClient({ url: server.url, token: 'wrong' }),
        tmpDir: tmp.dir,
        concurrency: 1,
      },
      'app:v1',
      { repository: 'app', tag: 'v1' },
    );
    await expect(push).rejects.toBeInstanceOf(UnauthorizedError);
    expect(exported).toEqual([]);
    expect(server.requests).toEqual(['GET /v2/']);
  });
});
