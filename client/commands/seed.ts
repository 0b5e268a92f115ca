import { Command, Option, UsageError } from 'clipanion';
import { humanSize } from '../output/format.js';
import { warningLogger } from '../output/warning-logger.js';
import { DocketCommand } from './docket-command.js';

export class SeedCommand extends DocketCommand {
  static override paths = [['seed']];

  static override usage = Command.Usage({
    description: 'seed every blob in the local cache to the swarm',
    details: `
      Seeds each cached blob that was downloaded as a torrent (its .torrent is kept in
      the cache), so other hosts can pull from this one. Looks for newly cached blobs
      every --rescan seconds. Runs until Ctrl-C.
    `,
    examples: [['Seed the cache', '$0 seed']],
  });

  cacheDir = Option.String('--cache-dir', { description: 'blob cache directory' });
  torrentPort = Option.String('--torrent-port', '0', {
    description: 'TCP port for incoming peers (0: any free port)',
  });
  rescan = Option.String('--rescan', '30', { description: 'seconds between cache scans' });

  async run(): Promise<number> {
    const { docket } = this.context;
    const port = Number(this.torrentPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--torrent-port: not a port number: ${this.torrentPort}`);
    }
    const rescanMs = Number(this.rescan) * 1000;
    if (!Number.isFinite(rescanMs) || rescanMs <= 0) throw new UsageError('--rescan: seconds > 0');
    const warn = (m: string) => this.context.stderr.write(`docket: warning: ${m}\n`);
    const [{ BlobCache }, { SwarmClient }, { seedCache }] = await Promise.all([
      import('../p2p/blob-cache.js'),
      import('../p2p/swarm-client.js'),
      import('../p2p/seed-cache.js'),
    ]);
    const cache = new BlobCache(this.cacheDir ?? docket.cache.dir, docket.cache.maxBytes);
    await cache.init();
    const logger = warningLogger(warn);
    const client = new SwarmClient({ cache, torrentPort: port, logger });
    const scan = async () => {
      const result = await seedCache(cache, client, logger);
      for (const digest of result.seeded) this.context.stdout.write(`seeding ${digest}\n`);
      if (result.withoutTorrent.length > 0) {
        warn(`${result.withoutTorrent.length} cached blob(s) have no .torrent: not seeded`);
      }
    };
    try {
      await scan();
      const listening = await client.listening();
      this.context.stdout.write(
        `seeding ${client.activeDigests().length} blob(s) on TCP port ${listening}\n`,
      );
      const { signal } = docket;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => void scan().catch((err) => warn(String(err))), rescanMs);
        const stop = () => {
          clearInterval(timer);
          resolve();
        };
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      });
      const stats = client.stats();
      this.context.stdout.write(`uploaded ${humanSize(stats.uploadedBytes)}\n`);
    } finally {
      await client.destroy();
    }
    return 0;
  }
}
