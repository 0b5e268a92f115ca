import { Command } from 'clipanion';
import { type KeyTable, key, parsePort } from '../../lib/config-keys.js';
import { untilAborted } from '../until-aborted.js';
import { DocketCommand } from './docket-command.js';
import { keyOptions, settingsOf } from './key-options.js';

interface TrackerSettings {
  port: number;
  /** Undefined: the HTTP port. */
  udpPort: number | 'off' | undefined;
  host: string | undefined;
  whitelistFrom: string | undefined;
  whitelistToken: string | undefined;
  intervalSeconds: number;
  maxPeersPerIp: number;
}

const TRACKER_KEYS: KeyTable<TrackerSettings> = {
  port: key.port({ flag: '--port', description: 'HTTP port (0: any free port)', default: 6969 }),
  udpPort: {
    kind: 'string',
    flag: '--udp-port',
    description: 'UDP port (default: the HTTP port; "off": no UDP tracker)',
    default: undefined,
    parse: (text, source) => (text === 'off' ? 'off' : parsePort(text, source)),
  },
  host: key.string<string | undefined>({
    flag: '--host',
    description: 'address to bind (default: all, IPv4 and IPv6)',
    default: undefined,
  }),
  whitelistFrom: key.string<string | undefined>({
    flag: '--whitelist-from',
    description: 'registry URL whose infohashes are the only ones allowed',
    default: undefined,
  }),
  whitelistToken: key.string<string | undefined>({
    flag: '--whitelist-token',
    env: 'DOCKET_TOKEN',
    description: 'token for --whitelist-from when it requires auth for reads',
    default: undefined,
  }),
  intervalSeconds: key.duration({
    flag: '--interval',
    description: 'announce interval told to clients',
    default: 10,
    unit: 's',
  }),
  maxPeersPerIp: key.integer({
    flag: '--max-peers-per-ip',
    description: 'peers one address may have in a swarm',
    default: 32,
    min: 1,
  }),
};

export class TrackerCommand extends DocketCommand {
  static override paths = [['tracker']];

  static override usage = Command.Usage({
    description: 'run a standalone BitTorrent tracker (HTTP and UDP)',
    details: `
      Serves /announce and /scrape over HTTP (BEP 3, BEP 23, BEP 48) and the UDP tracker
      protocol (BEP 15), with a stats page at /stats (JSON at /stats.json). With the
      option --whitelist-from it accepts only the infohashes that registry lists at
      GET /docket/v1/infohashes, refreshed every 30 s. Logs JSON lines on stderr, with
      ISO times as the registry's. Runs until Ctrl-C.
    `,
    examples: [
      ['Tracker on 6969 (HTTP and UDP)', '$0 tracker'],
      [
        'Only for blobs of one registry, loopback only',
        '$0 tracker --host 127.0.0.1 --whitelist-from http://127.0.0.1:5000',
      ],
    ],
  });

  constructor() {
    super();
    Object.assign(this, keyOptions(TRACKER_KEYS));
  }

  async run(): Promise<number> {
    const { docket, stdout } = this.context;
    const s = settingsOf(this, TRACKER_KEYS, docket.environment);
    // Loaded on demand: other commands need not pay for bittorrent-tracker or pino at start-up.
    const { startStandaloneTracker } = await import('../../tracker/standalone.js');
    const { default: pino } = await import('pino');
    const tracker = await startStandaloneTracker({
      httpPort: s.port,
      udpPort: s.udpPort === 'off' ? undefined : (s.udpPort ?? s.port),
      host: s.host,
      whitelistFrom: s.whitelistFrom,
      whitelistToken: s.whitelistToken,
      announceIntervalMs: s.intervalSeconds * 1000,
      maxPeersPerIp: s.maxPeersPerIp,
      logger: pino(
        { level: 'info', timestamp: pino.stdTimeFunctions.isoTime },
        pino.destination(2),
      ),
    });
    stdout.write(`tracker: ${tracker.httpUrl}\n`);
    if (tracker.udpUrl) stdout.write(`tracker: ${tracker.udpUrl}\n`);
    await untilAborted(docket.signal);
    await tracker.close();
    return 0;
  }
}
