import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { delay } from './exec.js';
import type { Managed, ProcessGroup } from './processes.js';

/** A private Docker engine whose process lives in one network namespace. */
export interface Engine {
  readonly dir: string;
  /** DOCKER_HOST value; the unix socket is reachable from the root namespace. */
  readonly dockerHost: string;
  readonly docker: Docker;
  readonly process: Managed;
  /** The storage driver dockerd accepted: overlay2 where the kernel allows it, else vfs. */
  readonly storageDriver: string;
}

export interface EngineOptions {
  netns: string;
  /** State directory: root/, exec/, pid, docker.sock, dockerd.log (as scripts/docker-engine.sh). */
  dir: string;
  /** host:port of plain-HTTP registries outside 127.0.0.0/8 this engine may pull from. */
  insecureRegistries?: string[];
  readyTimeoutMs?: number;
}

/** Storage drivers tried in order (as scripts/docker-engine.sh): overlay2, else vfs. */
const STORAGE_DRIVERS = ['overlay2', 'vfs'];

/**
 * Starts dockerd with the flags of scripts/docker-engine.sh inside `netns`, on the first
 * storage driver it accepts (BENCH_STORAGE_DRIVER forces one); waits until it answers.
 */
export async function startEngine(group: ProcessGroup, opts: EngineOptions): Promise<Engine> {
  const forced = process.env.BENCH_STORAGE_DRIVER;
  const drivers = forced ? [forced] : STORAGE_DRIVERS;
  let last: unknown;
  for (const driver of drivers) {
    try {
      return await startEngineWith(group, opts, driver);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

async function startEngineWith(
  group: ProcessGroup,
  opts: EngineOptions,
  storageDriver: string,
): Promise<Engine> {
  const { dir } = opts;
  mkdirSync(join(dir, 'root'), { recursive: true });
  mkdirSync(join(dir, 'exec'), { recursive: true });
  const socket = join(dir, 'docker.sock');
  const args = [
    `--storage-driver=${storageDriver}`,
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    `--data-root=${join(dir, 'root')}`,
    `--exec-root=${join(dir, 'exec')}`,
    `--pidfile=${join(dir, 'pid')}`,
    '-H',
    `unix://${socket}`,
    ...(opts.insecureRegistries ?? []).map((r) => `--insecure-registry=${r}`),
  ];
  const proc = group.spawn(`dockerd ${opts.netns}`, 'dockerd', args, {
    netns: opts.netns,
    log: join(dir, 'dockerd.log'),
  });
  const docker = new Docker({ socketPath: socket });
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  for (let attempt = 0; Date.now() < deadline && !exited; attempt++) {
    try {
      await docker.ping();
      return { dir, dockerHost: `unix://${socket}`, docker, process: proc, storageDriver };
    } catch {
      await delay(Math.min(50 * 2 ** attempt, 500));
    }
  }
  await group.stop(proc);
  throw new Error(
    `dockerd (${storageDriver}) in ${opts.netns} did not answer (see ${join(dir, 'dockerd.log')})`,
  );
}
