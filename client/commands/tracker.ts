import { Command, Option, UsageError } from 'clipanion';
import { pino } from 'pino';
import { startStandaloneTracker } from '../../tracker/standalone.js';
import { DocketCommand } from './docket-command.js';

export class TrackerCommand extends DocketCommand {
  static override paths = [['tracker']];

  static override usage = Command.Usage({
    description: 'run a standalone BitTorrent tracker (HTTP and UDP)',
    details: `
      Serves /announce and /scrape over HTTP (BEP 3, BEP 23, BEP 48) and the UDP tracker
      protocol (BEP 15), with a stats page at /stats (JSON at /stats.json). With
      --whitelist-from it accepts only the infohashes that registry lists at
      GET /docket/v1/infohashes, refreshed every 30 s. Runs until Ctrl-C.
    `,
    examples: [
      ['Tracker on 6969 (HTTP and UDP)', '$0 tracker'],
      [
        'Only for blobs of one registry, loopback only',
        '$0 tracker --host 127.0.0.1 --whitelist-from http://127.0.0.1:5000',
      ],
    ],
  });

  port = Option.String('--port', '6969', { description: 'HTTP port (0: any free port)' });
  udpPort = Option.String('--udp-port', {
    description: 'UDP port (default: the HTTP port; "off": no UDP tracker)',
  });
  host = Option.String('--host', { description: 'address to bind (default: all, IPv4 and IPv6)' });
  whitelistFrom = Option.String('--whitelist-from', {
    description: 'registry URL whose infohashes are the only ones allowed',
  });
  whitelistToken = Option.String('--whitelist-token', {
    description: 'token for --whitelist-from when it requires auth for reads ($DOCKET_TOKEN)',
  });
  interval = Option.String('--interval', '10', {
    description: 'announce interval told to clients, in seconds',
  });

  async run(): Promise<number> {
    const httpPort = parsePort(this.port, '--port');
    const udpPort =
      this.udpPort === 'off' ? undefined : parsePort(this.udpPort ?? this.port, '--udp-port');
    const interval = Number(this.interval);
    if (!Number.isFinite(interval) || interval <= 0)
      throw new UsageError('--interval: seconds > 0');
    const logger = pino({ level: 'info' }, pino.destination(2));
    const tracker = await startStandaloneTracker({
      httpPort,
      udpPort,
      host: this.host,
      whitelistFrom: this.whitelistFrom,
      whitelistToken: this.whitelistToken ?? this.context.docket.env.token,
      announceIntervalMs: interval * 1000,
      logger,
    });
    this.context.stdout.write(`tracker: ${tracker.httpUrl}\n`);
    if (tracker.udpUrl) this.context.stdout.write(`tracker: ${tracker.udpUrl}\n`);
    const { signal } = this.context.docket;
    if (!signal.aborted) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    }
    await tracker.close();
    return 0;
  }
}

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag}: not a port number: ${value}`);
  }
  return port;
}
