import { run } from './exec.js';

/**
 * A private L2 network made of network namespaces, never connected to the machine's own:
 *
 *   docket-<run>-br   bridge namespace: bridge `br0` + one veth end per host
 *   docket-<run>-h0   origin (10.213.0.1)     veth d<run>h0 <-> d<run>b0 in -br
 *   docket-<run>-hI   host I (10.213.0.(I+1))  veth d<run>hI <-> d<run>bI in -br
 *
 * No default route: only the /24 is reachable. With `mbit > 0` both ends of every veth get
 * a tbf qdisc (tc-tbf(8)) so each host sends and receives at most `mbit` Mbit/s.
 */
export interface NetHost {
  index: number;
  netns: string;
  ip: string;
  /** The host's interface, inside `netns`. */
  ifname: string;
}

export interface NetworkOptions {
  /** Short unique id of this run (hex); names every namespace and interface. */
  runId: string;
  /** Hosts including the origin (host 0). */
  hosts: number;
  /** Link rate each way in Mbit/s; 0 = unshaped. */
  mbit: number;
}

export const SUBNET_PREFIX = '10.213.0';

export class Network {
  private readonly made: string[] = [];
  readonly hosts: NetHost[] = [];

  /** Link rate now, Mbit/s each way (0 = unshaped); starts at opts.mbit. */
  mbit: number;
  /** The bridge-side veth of each host, by index into `hosts`. */
  private readonly bridgeSide: string[] = [];

  private constructor(readonly opts: NetworkOptions) {
    this.mbit = opts.mbit;
  }

  get bridgeNetns(): string {
    return `docket-${this.opts.runId}-br`;
  }

  /** Builds the network; on any failure removes what it made and rethrows. */
  static async create(opts: NetworkOptions): Promise<Network> {
    if (!/^[0-9a-f]{1,8}$/.test(opts.runId)) throw new Error(`bad run id ${opts.runId}`);
    if (opts.hosts < 1 || opts.hosts > 200) throw new Error(`bad host count ${opts.hosts}`);
    const net = new Network(opts);
    try {
      await net.build();
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  private async addNetns(name: string): Promise<void> {
    await run('ip', ['netns', 'add', name]);
    this.made.push(name);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }

  private async build(): Promise<void> {
    const { runId, hosts } = this.opts;
    const br = this.bridgeNetns;
    await this.addNetns(br);
    await run('ip', ['-n', br, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', br, 'link', 'set', 'br0', 'up']);
    for (let i = 0; i < hosts; i++) {
      const host: NetHost = {
        index: i,
        netns: `docket-${runId}-h${i}`,
        ip: `${SUBNET_PREFIX}.${i + 1}`,
        ifname: `d${runId}h${i}`,
      };
      const peer = `d${runId}b${i}`;
      await this.addNetns(host.netns);
      // Both ends are created directly in their namespaces: nothing appears in the host's.
      await run('ip', [
        'link',
        'add',
        host.ifname,
        'netns',
        host.netns,
        'type',
        'veth',
        'peer',
        'name',
        peer,
        'netns',
        br,
      ]);
      await run('ip', ['-n', br, 'link', 'set', peer, 'master', 'br0']);
      await run('ip', ['-n', br, 'link', 'set', peer, 'up']);
      await run('ip', ['-n', host.netns, 'addr', 'add', `${host.ip}/24`, 'dev', host.ifname]);
      await run('ip', ['-n', host.netns, 'link', 'set', host.ifname, 'up']);
      await this.shape(host.netns, host.ifname, this.mbit);
      await this.shape(br, peer, this.mbit);
      this.bridgeSide.push(peer);
      this.hosts.push(host);
    }
  }

  /**
   * Sets every link to `mbit` Mbit/s each way (0 = unshaped), in place: the namespaces,
   * engines and processes stay. The bench runs its slow-link phases this way.
   */
  async reshape(mbit: number): Promise<void> {
    const br = this.bridgeNetns;
    for (const [i, host] of this.hosts.entries()) {
      await this.shape(host.netns, host.ifname, mbit);
      await this.shape(br, this.bridgeSide[i]!, mbit);
    }
    this.mbit = mbit;
  }

  /** tc-tbf(8) on the egress of `dev`; the burst covers a 64 KiB GSO packet and 4 ms. */
  private async shape(netns: string, dev: string, mbit: number): Promise<void> {
    if (mbit <= 0) {
      // No shaping: drop a qdisc an earlier shape() left (none there is not an error).
      await run('tc', ['-n', netns, 'qdisc', 'del', 'dev', dev, 'root']).catch(() => {});
      return;
    }
    const burst = Math.max(128 * 1024, Math.ceil((mbit * 1e6) / 8 / 250));
    await run('tc', [
      '-n',
      netns,
      'qdisc',
      'replace',
      'dev',
      dev,
      'root',
      'tbf',
      'rate',
      `${mbit}mbit`,
      'burst',
      String(burst),
      'latency',
      '100ms',
    ]);
  }

  /** Interface counters of `host`'s interface, read inside its namespace. */
  async counters(host: NetHost): Promise<{ txBytes: number; rxBytes: number }> {
    const dir = `/sys/class/net/${host.ifname}/statistics`;
    const out = await run('ip', [
      'netns',
      'exec',
      host.netns,
      'cat',
      `${dir}/tx_bytes`,
      `${dir}/rx_bytes`,
    ]);
    const [tx, rx] = out.trim().split('\n').map(Number);
    return { txBytes: tx ?? Number.NaN, rxBytes: rx ?? Number.NaN };
  }

  /** Removes every namespace this network made (their veths and the bridge go with them). */
  async destroy(): Promise<void> {
    for (const name of this.made.splice(0).reverse()) {
      await run('ip', ['netns', 'del', name]).catch(() => undefined);
    }
  }
}

/** Names of this run's namespaces still present (for tests of the tear-down). */
export async function leftoverNetns(runId: string): Promise<string[]> {
  const listed = await run('ip', ['netns', 'list']).catch(() => '');
  return listed
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`docket-${runId}-`));
}
