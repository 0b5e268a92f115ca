import { parseArgs } from 'node:util';

import { rateIn } from '../lib/rate.js';
import type { System } from '../testbed/phase.js';

export type { System };

const SYSTEMS: readonly System[] = ['distribution', 'docket2015', 'docket', 'docket-agent'];

export interface BenchConfig {
  /** Host counts to run, each a full swarm deploy. */
  hostCounts: number[];
  imageBytes: number;
  layers: number;
  /** Link rate each way in Mbit/s; 0 = unshaped. */
  mbit: number;
  /** After the main phases, N = max(hosts) again over links this slow (Mbit/s); 0 = skip. */
  slowMbit: number;
  /** Systems of the slow-link phase. */
  slowSystems: System[];
  systems: System[];
  /** Also measure push and single-host pull on the origin's loopback. */
  loopback: boolean;
  /** Loopback pulls (and update pulls) of each registry, interleaved; medians reported. */
  loopbackRuns: number;
  /** The cap of the bandwidth-cap phase (rate-cap.ts), bytes per second; 0 = skip it. */
  rateCap: number;
  /** Upper bound for one host's pull, in ms. */
  pullTimeoutMs: number;
  outDir: string;
  keepDir: boolean;
  /** Write V8 CPU profiles of every docket process to <outDir>/profiles/. */
  profile: boolean;
}

const HELP = `usage: npm run bench -- [options]   (each option also as an env variable)
  --hosts 1,4,8        BENCH_HOSTS      host counts N
  --size-mb 150        BENCH_SIZE_MB    image size S in MB (10^6 bytes), incompressible
  --layers 4           BENCH_LAYERS     layers the size is split into
  --mbit 100           BENCH_MBIT       link rate B each way, Mbit/s (0 = unshaped)
  --slow-mbit 25       BENCH_SLOW_MBIT  then N = max(hosts) again at this link rate (0 = skip)
  --slow-systems docket2015,docket  BENCH_SLOW_SYSTEMS  systems of the slow-link phase
  --systems distribution,docket2015,docket,docket-agent  BENCH_SYSTEMS
                       docket2015 = the original Docket design: whole docker save tar as
                       one torrent, ctorrent + opentracker, then docker load;
                       docket-agent = stock docker pull through \`docket agent\` on each host
  --no-loopback        BENCH_LOOPBACK=0 skip the single-host loopback push/pull figures
  --loopback-runs 3    BENCH_LOOPBACK_RUNS  loopback pulls per registry, interleaved (median)
  --rate-cap 20M       BENCH_RATE_CAP   bandwidth-cap phase on loopback: a capped pull, a
                       capped registry, and the CPU of a pull with the cap off (0 = skip)
  --timeout-s 600      BENCH_TIMEOUT_S  bound on one host's pull
  --out bench-results  BENCH_OUT
  --keep               BENCH_KEEP=1     keep the temp directory (logs) after the run
  --profile            BENCH_PROFILE=1  V8 CPU profiles of the docket processes in <out>/profiles`;

/** Reads flags (over env variables, over defaults); throws with the usage text on a bad value. */
export function readConfig(argv: string[], env: NodeJS.ProcessEnv): BenchConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string' },
      'size-mb': { type: 'string' },
      layers: { type: 'string' },
      mbit: { type: 'string' },
      'slow-mbit': { type: 'string' },
      'slow-systems': { type: 'string' },
      systems: { type: 'string' },
      'no-loopback': { type: 'boolean' },
      'loopback-runs': { type: 'string' },
      'rate-cap': { type: 'string' },
      'timeout-s': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      profile: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const num = (flag: string | undefined, envValue: string | undefined, dflt: number) => {
    const text = flag ?? envValue;
    const n = text === undefined ? dflt : Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`bad number "${text}"\n${HELP}`);
    return n;
  };
  const hostCounts = (values.hosts ?? env.BENCH_HOSTS ?? '1,4,8').split(',').map(Number);
  if (hostCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 32))
    throw new Error(`bad host list\n${HELP}`);
  const systemList = (text: string) => {
    const list = text.split(',');
    if (list.some((s) => !(SYSTEMS as readonly string[]).includes(s)))
      throw new Error(`bad systems list "${text}"\n${HELP}`);
    return list as System[];
  };
  const systems = systemList(values.systems ?? env.BENCH_SYSTEMS ?? SYSTEMS.join(','));
  const slowSystems = systemList(
    values['slow-systems'] ?? env.BENCH_SLOW_SYSTEMS ?? 'docket2015,docket',
  );
  const loopbackRuns = num(values['loopback-runs'], env.BENCH_LOOPBACK_RUNS, 3);
  if (!Number.isInteger(loopbackRuns) || loopbackRuns < 1 || loopbackRuns > 20)
    throw new Error(`bad loopback run count\n${HELP}`);
  const layers = num(values.layers, env.BENCH_LAYERS, 4);
  if (!Number.isInteger(layers) || layers < 1) throw new Error(`bad layer count\n${HELP}`);
  const rateCapText = values['rate-cap'] ?? env.BENCH_RATE_CAP ?? '20M';
  const rateCap = rateIn(rateCapText);
  if (rateCap === undefined) throw new Error(`bad rate "${rateCapText}"\n${HELP}`);
  return {
    hostCounts,
    imageBytes: Math.round(num(values['size-mb'], env.BENCH_SIZE_MB, 150) * 1e6),
    layers,
    mbit: num(values.mbit, env.BENCH_MBIT, 100),
    slowMbit: num(values['slow-mbit'], env.BENCH_SLOW_MBIT, 25),
    slowSystems,
    systems,
    loopback: !(values['no-loopback'] || env.BENCH_LOOPBACK === '0'),
    loopbackRuns,
    rateCap,
    pullTimeoutMs: num(values['timeout-s'], env.BENCH_TIMEOUT_S, 600) * 1000,
    outDir: values.out ?? env.BENCH_OUT ?? 'bench-results',
    keepDir: Boolean(values.keep || env.BENCH_KEEP === '1'),
    profile: Boolean(values.profile || env.BENCH_PROFILE === '1'),
  };
}

export const USAGE = HELP;
