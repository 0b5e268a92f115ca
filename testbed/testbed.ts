import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, startEngine } from './engine.js';
import { delay, inNetns, run } from './exec.js';
import { type NetHost, Network } from './network.js';
import { type Managed, ProcessGroup } from './processes.js';

/** A host 1..N: its own Docker engine and its own docket cache directory. */
export interface PeerHost extends NetHost {
  engine: Engine;
  cacheDir: string;
}

export interface TestbedOptions {
  /** Hosts besides the origin. */
  peers: number;
  /** Link rate each way in Mbit/s; 0 = unshaped. */
  mbit: number;
  /** Plain-HTTP registries (host:port) the peers' engines may pull from. */
  insecureRegistries?: string[];
  /** Also start a Docker engine in the origin's namespace (to build and push images). */
  originEngine?: boolean;
  /** Parent of the run's temp directory (default: the OS temp dir). */
  baseDir?: string;
}

/**
 * Origin (host 0) + N peer hosts in network namespaces, each peer with a private dockerd.
 * `destroy` stops every process it started (by pid), removes every namespace, veth and the
 * bridge, and deletes the temp directory; it is safe to call twice and after a failed create.
 */
export class Testbed {
  readonly processes = new ProcessGroup();
  readonly peers: PeerHost[] = [];
  originEngine?: Engine;
  private network?: Network;
  private destroyed = false;

  private constructor(
    readonly runId: string,
    readonly dir: string,
  ) {}

  static async create(opts: TestbedOptions): Promise<Testbed> {
    const runId = randomBytes(3).toString('hex');
    const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), `docket-testbed-${runId}-`));
    // scripts/netns-clean.sh removes the run's namespaces once this pid is gone.
    writeFileSync(join(dir, 'owner.pid'), `${process.pid}\n`);
    const tb = new Testbed(runId, dir);
    try {
      tb.network = await Network.create({ runId, hosts: opts.peers + 1, mbit: opts.mbit });
      const [origin, ...hosts] = tb.network.hosts;
      const starts = hosts.map(async (host) => {
        const hostDir = join(dir, `h${host.index}`);
        const cacheDir = join(hostDir, 'cache');
        mkdirSync(cacheDir, { recursive: true });
        const engine = await startEngine(tb.processes, {
          netns: host.netns,
          dir: join(hostDir, 'engine'),
          insecureRegistries: opts.insecureRegistries,
        });
        return { ...host, engine, cacheDir };
      });
      const originStart =
        opts.originEngine && origin
          ? startEngine(tb.processes, { netns: origin.netns, dir: join(dir, 'h0', 'engine') })
          : Promise.resolve(undefined);
      // allSettled: no engine may still be starting when a failure tears the bed down.
      const [originEngine, ...peers] = await Promise.allSettled([originStart, ...starts]);
      for (const s of [originEngine, ...peers]) if (s?.status === 'rejected') throw s.reason;
      for (const s of peers) if (s.status === 'fulfilled') tb.peers.push(s.value);
      if (originEngine?.status === 'fulfilled') tb.originEngine = originEngine.value;
    } catch (err) {
      await tb.destroy();
      throw err;
    }
    return tb;
  }

  get origin(): NetHost {
    const origin = this.network?.hosts[0];
    if (!origin) throw new Error('test bed has no network');
    return origin;
  }

  /** A fresh directory under the run's temp directory. */
  path(...parts: string[]): string {
    const p = join(this.dir, ...parts);
    mkdirSync(p, { recursive: true });
    return p;
  }

  /** Starts a long-running process inside `host`'s namespace; logs go to `<dir>/logs/`. */
  spawn(
    host: NetHost,
    name: string,
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): Managed {
    const log = join(this.path('logs'), `${name.replace(/[^\w.-]+/g, '_')}.log`);
    return this.processes.spawn(name, cmd, args, {
      netns: host.netns,
      env: { ...process.env, ...env },
      log,
    });
  }

  /** Runs a short command inside `host`'s namespace; resolves with its stdout. */
  exec(host: NetHost, cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
    const [file, argv] = inNetns(host.netns, cmd, args);
    return run(file, argv, { timeoutMs });
  }

  /** Egress/ingress byte counters of `host`'s interface. */
  /** Sets every link of the bed to `mbit` Mbit/s each way (0 = unshaped). */
  reshape(mbit: number): Promise<void> {
    if (!this.network) throw new Error('test bed has no network');
    return this.network.reshape(mbit);
  }

  counters(host: NetHost): Promise<{ txBytes: number; rxBytes: number }> {
    if (!this.network) throw new Error('test bed has no network');
    return this.network.counters(host);
  }

  /**
   * Waits until `url` answers any HTTP status from inside `host`'s namespace. A server that
   * prints no readiness event can only be polled: bounded in time, backing off to 250 ms.
   */
  async waitForHttp(host: NetHost, url: string, timeoutMs = 30_000, proc?: Managed): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void proc?.exited.then(() => {
      exited = true;
    });
    for (let attempt = 0; Date.now() < deadline && !exited; attempt++) {
      try {
        await this.exec(host, 'curl', ['-s', '-o', '/dev/null', '--max-time', '2', url], 5_000);
        return;
      } catch {
        await delay(Math.min(25 * 2 ** attempt, 250));
      }
    }
    throw new Error(`${url} did not answer in ${host.netns}${exited ? ' (process exited)' : ''}`);
  }

  async destroy(opts: { keepDir?: boolean } = {}): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.processes.stopAll();
    await this.network?.destroy();
    if (!opts.keepDir) rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * Tears `testbed` down on SIGINT/SIGTERM, then exits (130/143). For composition roots only;
 * returns the function that removes the handlers.
 */
export function destroyOnSignal(testbed: () => Testbed | undefined): () => void {
  const handler = (signal: NodeJS.Signals) => {
    const tb = testbed();
    void (tb ? tb.destroy() : Promise.resolve()).finally(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
