import { Command, Option, UsageError } from 'clipanion';
import { type KeyTable, key } from '../../lib/config-keys.js';
import { ReferenceInvalidError } from '../../lib/errors.js';
import { formatReference, manifestReference, parseReference } from '../../lib/reference.js';
import { CACHE_KEYS, type CacheSettings } from '../../client/cache-keys.js';
import { RATE_KEYS, type RateLimits } from '../../client/rate-keys.js';
import { humanSize, plural } from '../../lib/format.js';
import { PullProgress } from '../output/pull-progress.js';
import type { PullSummary } from '../../client/services/pull.js';
import { parsePlatform } from '../../lib/manifest/index.js';
import { seedAfterPull } from '../../client/services/seed-after-pull.js';
import { DocketCommand } from './docket-command.js';
import { keyOptions, settingsOf } from './key-options.js';
import { jsonOption, jsonSummaryAlias, outputMode, quietOption } from './output-options.js';
import { parseImageArg, registryOfDomain } from './reference-arg.js';

export interface PullSettings extends CacheSettings, RateLimits {
  seedSeconds: number;
  bareTag: boolean;
  direct: boolean;
  engineFeed: boolean;
}

export const PULL_KEYS: KeyTable<PullSettings> = {
  seedSeconds: key.duration({
    flag: '--seed-time',
    env: 'DOCKET_SEED_TIME',
    description:
      'seed at most this long after the pull, only while other hosts still download (0: none)',
    default: 300,
    unit: 's',
    allowZero: true,
  }),
  ...CACHE_KEYS,
  ...RATE_KEYS,
  bareTag: key.boolean({
    flag: '--bare-tag',
    env: 'DOCKET_BARE_TAG',
    description:
      'also tag the image <name>:<tag> without the registry host (replaces a local image of that name)',
    default: false,
  }),
  direct: key.boolean({
    flag: '--direct',
    env: 'DOCKET_DIRECT',
    description:
      'fetch a layer over plain HTTP when the registry says no other host is on it, switching to the swarm when one starts (--no-direct: always the swarm)',
    default: true,
  }),
  engineFeed: key.boolean({
    flag: '--engine-pull',
    env: 'DOCKET_ENGINE_PULL',
    description:
      'let a Docker engine on this host pull the layers from docket over 127.0.0.1 as they arrive (--no-engine-pull: docker load them one by one)',
    default: true,
  }),
};

/** How often a seeding pull asks the tracker whether other hosts still download. */
const LEECHER_POLL_MS = 5_000;

export class PullCommand extends DocketCommand {
  static override paths = [['pull']];

  static override usage = Command.Usage({
    description: 'pull an image from the registry and its swarm into the local Docker engine',
    details: `
      Fetches only the layers the engine does not have, from the local blob cache or
      as torrents (from other hosts and the registry), loads them into the engine and
      tags the image \`<registry host>/<name>:<tag>\` (only after the load succeeded).
      A local image named \`<name>:<tag>\` is left alone unless --bare-tag or --tag asks.

      Then, if \`docket seed\` (or \`docket agent\`) runs on the same cache, seeding is
      handed to it and the pull returns. Otherwise the pull keeps seeding only while other
      hosts of the swarm still download (at most --seed-time) and returns at once
      when none does. Ctrl-C stops seeding.
    `,
    examples: [
      ['Pull', '$0 pull app:v1'],
      ['Pull, never seed, print a JSON summary', '$0 pull --seed-time 0 --json app:v1'],
      ['Also name it app:v1 locally', '$0 pull --tag app:v1 app:v1'],
      ['With its signatures and SBOMs, for offline checks', '$0 pull --with-referrers app:v1'],
      [
        'Download at most 50 MB/s (BitTorrent and HTTP together)',
        '$0 pull --max-download-rate 50M app:v1',
      ],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print only the local reference, no progress');
  json = jsonOption();
  jsonSummary = jsonSummaryAlias();
  tags = Option.Array('--tag', {
    description: 'also tag the image NAME[:TAG] in the engine (repeatable)',
  });
  platform = Option.String('--platform', {
    description: 'os/arch[/variant] of a multi-arch image to pull (default: this host’s)',
  });
  withReferrers = Option.Boolean('--with-referrers', false, {
    description:
      'also fetch the image’s referrers (signatures, SBOMs) into the blob cache, to verify them offline',
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
    const mode = outputMode(this);
    const settings = settingsOf(this, PULL_KEYS, docket.environment);
    const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
    const log = mode === 'json' ? this.context.stderr : this.context.stdout;
    const warn = (m: string) => this.context.stderr.write(`docket: warning: ${m}\n`);
    const progress =
      mode === 'quiet' ? undefined : new PullProgress(log, docket.isTTY && mode === 'text');
    const cacheDir = settings.cacheDir ?? docket.cache.dir;
    const localTags = [
      ...(ref.tag ? [{ repo: `${registry.host}/${ref.name}`, tag: ref.tag }] : []),
      ...(ref.tag && settings.bareTag ? [{ repo: ref.name, tag: ref.tag }] : []),
      ...(this.tags ?? []).map((t) => parseLocalTag(t, ref.tag)),
    ];
    // Loaded here, not at the top: the command index loads every command at start-up.
    const { pullImage } = await import('../../client/services/pull.js');
    const peer = await docket.peer({
      cacheDir,
      cacheBytes: settings.cacheBytes,
      onWarning: warn,
      seedEarly: settings.seedSeconds > 0,
      rates: { maxDownloadRate: settings.maxDownloadRate, maxUploadRate: settings.maxUploadRate },
    });
    try {
      const { summary, blobs } = await pullImage(
        {
          engine: docket.engine(),
          registry,
          peer,
          concurrency: Math.max(2, docket.cpus),
          direct: settings.direct,
          engineFeed: settings.engineFeed,
          signal: docket.signal,
          onProgress: progress?.onEvent,
        },
        {
          repository: ref.name,
          reference: manifestReference(ref),
          localTags,
          ...(platform ? { platform } : {}),
          ...(this.withReferrers ? { withReferrers: true } : {}),
        },
      );
      progress?.finish();
      if (mode === 'json') this.context.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (mode === 'quiet')
        this.context.stdout.write(
          `${summary.tags[0] ?? `${registry.host}/${formatReference(ref)}`}\n`,
        );
      else log.write(describe(formatReference(ref), summary));
      await seedAfterPull({
        cacheDir,
        peer,
        blobs,
        maxMs: settings.seedSeconds * 1000,
        signal: docket.signal,
        countLeechers: async (torrents) =>
          (await import('../../client/services/swarm-leechers.js')).countLeechers(torrents),
        pollMs: LEECHER_POLL_MS,
        onStatus: (line) => {
          if (mode !== 'quiet') log.write(`${line}\n`);
        },
      });
      return 0;
    } finally {
      await peer.destroy();
    }
  }
}

/** A `--tag NAME[:TAG]` value; without a tag, the pulled reference's. */
function parseLocalTag(text: string, pulledTag: string | undefined): { repo: string; tag: string } {
  try {
    const ref = parseReference(text);
    if (ref.digest) throw new UsageError(`--tag ${text}: a digest cannot be a local name`);
    const repo = ref.domain ? `${ref.domain}/${ref.name}` : ref.name;
    return { repo, tag: ref.tag ?? pulledTag ?? 'latest' };
  } catch (err) {
    if (err instanceof ReferenceInvalidError) throw new UsageError(`--tag: ${err.message}`);
    throw err;
  }
}

function describe(reference: string, s: PullSummary): string {
  const b = s.bytes;
  return (
    `pulled ${reference} (${s.manifestDigest}) as ${s.tags.join(', ') || s.imageId}\n` +
    `${plural(s.layers, 'layer')}: ${s.layersPresent} already in the engine, ${s.layersFromCache} from cache, ` +
    `${s.layersDownloaded} downloaded\n` +
    `bytes: peers ${humanSize(b.fromPeers)}, registry seed ${humanSize(b.fromRegistrySeed)}, ` +
    `direct ${humanSize(b.fromWebSeed)}, cache ${humanSize(b.fromCache)}; ${s.seconds.toFixed(1)}s\n`
  );
}
