import { describe, it } from 'vitest';
import { expectError } from '../../integration/registry/http.js';
import { startCli } from '../../helpers/run-cli.js';
import { closedPort, tempCacheDir } from '../cli/cli-env.js';

describe('docket agent in front of a registry that does not answer', () => {
  it('says so at start, answers 503 UNAVAILABLE, and logs each failed request with its cause', async () => {
    const registry = `http://127.0.0.1:${await closedPort()}`;
    const agent = startCli(
      ['agent', '--listen', '127.0.0.1:0', '--cache-dir', await tempCacheDir()],
      { env: { DOCKET_REGISTRY: registry } },
    );
    try {
      const banner = await agent.waitForStdout(/listening on http:\/\/\S+/, 30_000);
      const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1] as string;
      await agent.waitForStderr(
        new RegExp(
          `^docket agent: registry ${registry} is unreachable \\(ECONNREFUSED\\): serving anyway, pulls fail until it answers$`,
          'm',
        ),
        10_000,
      );

      await expectError(await fetch(`${url}/v2/x/manifests/y`), 503, 'UNAVAILABLE');
      await agent.waitForStderr(
        new RegExp(
          `^docket agent: GET /v2/x/manifests/y: 503 UNAVAILABLE: registry ${registry} unreachable \\(ECONNREFUSED\\)$`,
          'm',
        ),
        10_000,
      );
    } finally {
      agent.child.kill('SIGINT');
      await agent.result;
    }
  }, 60_000);
});
