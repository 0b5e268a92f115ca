import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetHost } from '../testbed/network.js';
import type { Managed } from '../testbed/processes.js';
import type { Testbed } from '../testbed/testbed.js';

/** Debian's Docker Distribution (`docker-registry`), the central-registry baseline. */
export interface DistributionRegistry {
  /** host:port reachable from every host of the test bed. */
  address: string;
  /** host:port on the origin's loopback (pushes from the origin's engine). */
  loopbackAddress: string;
  process: Managed;
}

/**
 * Starts `docker-registry serve` in `host`'s namespace with filesystem storage under the test
 * bed's directory, listening on every address of that namespace.
 * Config reference: https://distribution.github.io/distribution/about/configuration/
 */
export async function startDistribution(
  tb: Testbed,
  host: NetHost,
  port: number,
): Promise<DistributionRegistry> {
  const dir = tb.path('distribution');
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 0.0.0.0:${port}`,
      '',
    ].join('\n'),
  );
  const proc = tb.spawn(host, 'docker-registry', 'docker-registry', ['serve', config]);
  await tb.waitForHttp(host, `http://127.0.0.1:${port}/v2/`, 30_000, proc);
  return { address: `${host.ip}:${port}`, loopbackAddress: `127.0.0.1:${port}`, process: proc };
}
