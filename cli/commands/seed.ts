import { Command } from 'clipanion';
import { type KeyTable, key } from '../../lib/config-keys.js';
import { CACHE_KEYS, type CacheSettings } from '../../client/cache-keys.js';
import { RATE_KEYS } from '../../client/rate-keys.js';
import { humanSize } from '../../lib/format.js';
import type { SeedEvent } from '../../client/services/seed.js';
import { DocketCommand } from './docket-command.js';
import { keyOptions, settingsOf } from './key-options.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';

export interface SeedSettings extends CacheSettings {
  torrentPort: number;
  rescanSeconds: number;
  maxUploadRate: number;
}

export const SEED_KEYS: KeyTable<SeedSettings> = {
  ...CACHE_KEYS,
  torrentPort: key.port({
    flag: '--torrent-port',
    description: 'TCP port for incoming peers (0: any free port)',
    default: 0,
  }),
  rescanSeconds: key.duration({
    flag: '--rescan',
    description: 'time between cache scans (a blob a pull just cached is seeded by the next)',
    default: 5,
    unit: 's',
  }),
  maxUploadRate: RATE_KEYS.maxUploadRate,
};

export class SeedCommand extends DocketCommand {
  static override paths = [['seed']];

  static override usage = Command.Usage({
    description: 'seed every blob in the local cache to the swarm',
    details: `
      Seeds each cached blob that was downloaded as a torrent (its .torrent is kept in
      the cache), so other hosts can pull from this one. Looks for newly cached blobs
      every --rescan. While it runs, \`docket pull\` on the same cache returns as
      soon as the image is loaded and leaves seeding to it. Runs until Ctrl-C.
    `,
    examples: [
      ['Seed the cache', '$0 seed'],
      ['Seed, uploading at most 20 MB/s', '$0 seed --max-upload-rate 20M'],
    ],
  });

  quiet = quietOption('print only warnings');
  json = jsonOption(
    'print each event as a JSON line ({"kind": "seeding" | "listening" | "stopped", ...})',
  );

  constructor() {
    super();
    Object.assign(this, keyOptions(SEED_KEYS));
  }

  async run(): Promise<number> {
    const { docket, stdout, stderr } = this.context;
    const settings = settingsOf(this, SEED_KEYS, docket.environment);
    const mode = outputMode(this);
    // Loaded here, not at the top: the command index loads every command at start-up.
    const { seedCachedBlobs } = await import('../../client/services/seed.js');
    await seedCachedBlobs({
      cacheDir: settings.cacheDir ?? docket.cache.dir,
      cacheBytes: settings.cacheBytes,
      torrentPort: settings.torrentPort,
      maxUploadRate: settings.maxUploadRate,
      rescanMs: settings.rescanSeconds * 1000,
      signal: docket.signal,
      onEvent: (e) => {
        if (mode === 'json') stdout.write(`${JSON.stringify(e)}\n`);
        else if (mode === 'text') stdout.write(describe(e));
      },
      onWarning: (m) => stderr.write(`docket: warning: ${m}\n`),
    });
    return 0;
  }
}

function describe(e: SeedEvent): string {
  switch (e.kind) {
    case 'seeding':
      return `seeding ${e.digest}\n`;
    case 'listening':
      return `seeding ${e.blobs} blob(s) on TCP port ${e.port}\n`;
    case 'stopped':
      return `uploaded ${humanSize(e.uploadedBytes)}\n`;
  }
}
