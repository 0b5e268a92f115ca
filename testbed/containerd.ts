import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { delay } from './exec.js';
import type { NetHost } from './network.js';
import type { Managed } from './processes.js';
import type { Testbed } from './testbed.js';

export interface PrivateContainerd {
  /** The gRPC socket, for `ctr --address`. */
  address: string;
  process: Managed;
}

/**
 * Starts a containerd of its own (root, state and socket under the test bed's directory,
 * the CRI plugin off) in `host`'s namespace; resolves once `ctr version` answers.
 */
export async function startContainerd(tb: Testbed, host: NetHost): Promise<PrivateContainerd> {
  const dir = tb.path(`h${host.index}`, 'containerd');
  const address = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '',
    ].join('\n'),
  );
  const proc = tb.spawn(host, `containerd-h${host.index}`, 'containerd', ['--config', config]);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await tb.exec(host, 'ctr', ['--address', address, 'version'], 5_000);
      return { address, process: proc };
    } catch {
      await delay(Math.min(25 * 2 ** attempt, 250));
    }
  }
  throw new Error(`containerd in ${host.netns} did not answer`);
}

/**
 * The containerd registry-host config (`hosts.toml`, containerd docs/hosts.md) that sends
 * pulls for `registryHost` to a mirror first: `<dir>/<registryHost>/hosts.toml`. Returns
 * `dir`, for `ctr images pull --hosts-dir`.
 */
export function writeMirrorHosts(
  dir: string,
  registryHost: string,
  server: string,
  mirror: string,
): string {
  mkdirSync(join(dir, registryHost), { recursive: true });
  writeFileSync(
    join(dir, registryHost, 'hosts.toml'),
    `server = "${server}"\n\n[host."${mirror}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  return dir;
}
