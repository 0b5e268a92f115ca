import { Command, Option, UsageError } from 'clipanion';
import { type KeyTable, key } from '../../lib/config-keys.js';
import { formatReference, manifestReference } from '../../lib/reference.js';
import { CACHE_DIR_KEY } from '../config.js';
import { humanSize } from '../output/format.js';
import { PullProgress } from '../output/pull-progress.js';
import { type PullSummary, pullImage } from '../services/pull.js';
import { parsePlatform } from '../services/platform.js';
import { seedFor } from '../services/seed-time.js';
import { DocketCommand } from './docket-command.js';
import { keyOptions, settingsOf } from './key-options.js';
import { parseImageArg, registryOfDomain } from './reference-arg.js';

interface PullSettings {
  seedSeconds: number;
  cacheDir: string | undefined;
  cacheBytes: number | undefined;
}

const PULL_KEYS: KeyTable<PullSettings> = {
  seedSeconds: key.seconds({
    flag: '--seed-time',
    description: 'seconds to keep seeding after the pull (0: exit at once)',
    default: 300,
    allowZero: true,
  }),
  cacheDir: CACHE_DIR_KEY,
  cacheBytes: key.size<number | undefined>({
    flag: '--cache-size',
    description: 'blob cache limit, e.g. 10G',
    default: undefined,
  }),
};

export class PullCommand extends DocketCommand {
  static override paths = [['pull']];

  static override usage = Command.Usage({
    description: 'pull an image from the registry and its swarm into the local Docker engine',
    details: `
      Fetches only the layers the engine does not have, from the local blob cache or
      as torrents (from other hosts and the registry), loads them into the engine and
      tags the image \`<registry host>/<name>:<tag>\` and \`<name>:<tag>\` (only after
      the load succeeded). Then keeps seeding for --seed-time seconds so other hosts
      can pull from this one; Ctrl-C stops seeding.
    `,
    examples: [
      ['Pull and seed 5 minutes', '$0 pull app:v1'],
      ['Pull, do not seed, print a JSON summary', '$0 pull --seed-time 0 --json-summary app:v1'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'no progress output' });
  jsonSummary = Option.Boolean('--json-summary', false, {
    description: 'print the summary as JSON on stdout (progress goes to stderr)',
  });
  platform = Option.String('--platform', {
    description: 'os/arch[/variant] of a multi-arch image to pull (default: this host’s)',
  });
  image = Option.String({ name: 'IMAGE[:TAG]' });

  constructor() {
    super();
    Object.assign(this, keyOptions(PULL_KEYS));
  }

  async run(): Promise<number> {
    const ref = parseImageArg(this.image, { allowDigest: true });
    const platform = this.platform === undefined ? undefined : parsePlatform(this.platform);
    if (this.platform !== undefined && !platform)
      throw new UsageError(`--platform "${this.platform}": expected os/arch[/variant]`);
    const { docket } = this.context;
    const settings = settingsOf(this, PULL_KEYS, docket.environment);
    const seedSeconds = settings.seedSeconds;
    const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
    const log = this.jsonSummary ? this.context.stderr : this.context.stdout;
    const warn = (m: string) => this.context.stderr.write(`docket: warning: ${m}\n`);
    const progress = this.quiet
      ? undefined
      : new PullProgress(log, docket.isTTY && !this.jsonSummary);
    const swarm = await docket.swarm({
      cacheDir: settings.cacheDir ?? docket.cache.dir,
      cacheBytes: settings.cacheBytes ?? docket.cache.maxBytes,
      onWarning: warn,
      seedEarly: seedSeconds > 0,
    });
    try {
      const tag = ref.tag;
      const { summary, blobs } = await pullImage(
        {
          engine: docket.engine(),
          registry,
          swarm,
          concurrency: Math.max(2, docket.cpus),
          signal: docket.signal,
          onProgress: progress?.onEvent,
        },
        {
          repository: ref.name,
          reference: manifestReference(ref),
          ...(platform ? { platform } : {}),
          localTags: tag
            ? [
                { repo: `${registry.host}/${ref.name}`, tag },
                { repo: ref.name, tag },
              ]
            : [],
        },
      );
      progress?.flush();
      if (this.jsonSummary) this.context.stdout.write(`${JSON.stringify(summary)}\n`);
      if (!this.quiet) log.write(describe(formatReference(ref), summary));
      if (seedSeconds > 0) {
        for (const blob of blobs) await swarm.seed(blob);
        if (!this.quiet)
          log.write(`seeding ${blobs.length} blobs for ${seedSeconds}s (Ctrl-C stops)\n`);
        await seedFor(seedSeconds * 1000, docket.signal);
      }
      return 0;
    } finally {
      await swarm.destroy();
    }
  }
}

function describe(reference: string, s: PullSummary): string {
  const b = s.bytes;
  return (
    `pulled ${reference} (${s.manifestDigest}) as ${s.tags.join(', ') || s.imageId}\n` +
    `layers: ${s.layers} (${s.layersPresent} already in the engine, ${s.layersFromCache} from cache, ` +
    `${s.layersDownloaded} downloaded)\n` +
    `bytes: peers ${humanSize(b.fromPeers)}, registry seed ${humanSize(b.fromRegistrySeed)}, ` +
    `web seed ${humanSize(b.fromWebSeed)}, cache ${humanSize(b.fromCache)}; ${s.seconds.toFixed(1)}s\n`
  );
}
