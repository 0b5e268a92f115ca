import { Command, Option, UsageError } from 'clipanion';
import { CACHE_KEYS } from '../../client/cache-keys.js';
import { humanSize } from '../../lib/format.js';
import { binarySize, relativeTime, shortDigest, table } from '../output/format.js';
import { BlobCache } from '../../client/p2p/blob-cache.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';
import { keyOptions, settingsOf } from './key-options.js';

export class CacheCommand extends DocketCommand {
  static override paths = [['cache']];

  static override usage = Command.Usage({
    description: 'list or prune the local blob cache (what pull keeps and seeds)',
    details: `
      \`ls\` lists the cached blobs (least recently used first) and the partial
      downloads. \`prune\` removes partial downloads untouched for an hour and evicts
      least recently used blobs until the cache, partial downloads included, fits in the
      size of --cache-size; \`prune --all\` empties it.
    `,
    examples: [
      ['What the cache holds', '$0 cache ls'],
      ['Fit the cache into 5 GiB', '$0 cache prune --cache-size 5G'],
      ['Empty it', '$0 cache prune --all'],
    ],
  });

  action = Option.String({ name: 'ls|prune' });
  all = Option.Boolean('--all', false, { description: 'prune: remove everything' });
  quiet = quietOption('ls: only the digests; prune: only the bytes removed');
  json = jsonOption('print JSON');

  constructor() {
    super();
    Object.assign(this, keyOptions(CACHE_KEYS));
  }

  async run(): Promise<number> {
    if (this.action !== 'ls' && this.action !== 'prune')
      throw new UsageError(`unknown cache action "${this.action}": ls or prune`);
    const { docket, stdout } = this.context;
    const settings = settingsOf(this, CACHE_KEYS, docket.environment);
    const mode = outputMode(this);
    const cache = new BlobCache(settings.cacheDir ?? docket.cache.dir, settings.cacheBytes);
    if (this.action === 'prune') {
      const pruned = await cache.prune({ all: this.all });
      if (mode === 'quiet') {
        stdout.write(`${pruned.bytes}\n`);
        return 0;
      }
      stdout.write(
        mode === 'json'
          ? `${JSON.stringify(pruned, null, 2)}\n`
          : `removed ${pruned.blobs.length} blobs and ${pruned.partials.length} partial downloads, ` +
              `${humanSize(pruned.bytes)} (${pruned.bytes} bytes)\n`,
      );
      return 0;
    }
    const blobs = (await cache.list()).sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
    const partials = await cache.partials();
    if (mode === 'quiet') {
      stdout.write([...blobs, ...partials].map((b) => `${b.digest}\n`).join(''));
      return 0;
    }
    if (mode === 'json') {
      stdout.write(
        `${JSON.stringify({ dir: cache.dir, maxBytes: cache.maxBytes, blobs, partials }, null, 2)}\n`,
      );
      return 0;
    }
    const now = new Date();
    const rows = [
      ...blobs.map((b) => [
        shortDigest(b.digest),
        humanSize(b.size),
        'blob',
        relativeTime(b.lastUsed, now),
      ]),
      ...partials.map((p) => [
        shortDigest(p.digest),
        humanSize(p.size),
        'partial',
        relativeTime(p.lastUsed, now),
      ]),
    ];
    const total = [...blobs, ...partials].reduce((n, b) => n + b.size, 0);
    stdout.write(table(['DIGEST', 'SIZE', 'STATE', 'LAST USED'], rows));
    stdout.write(`${binarySize(total)} of ${binarySize(cache.maxBytes)} in ${cache.dir}\n`);
    return 0;
  }
}
