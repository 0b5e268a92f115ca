import { Command, Option, UsageError } from 'clipanion';
import { pino } from 'pino';
import {
  ConfigError,
  configFromEnv,
  configFromFile,
  type PartialConfig,
  type RegistryConfig,
  resolveConfig,
} from '../../registry/config.js';
import { startRegistry } from '../../registry/main.js';
import { DocketCommand } from './docket-command.js';

export class RegistryCommand extends DocketCommand {
  static override paths = [['registry']];

  static override usage = Command.Usage({
    description: 'run the docket registry (OCI distribution API, tracker, seeder)',
    details: `
      Serves the OCI distribution API at /v2/ (docker push/pull, skopeo), the docket API at
      /docket/v1/ (tarball import, image listing, .torrent files), an embedded BitTorrent
      tracker at /announce and Prometheus metrics at /metrics. Writes need a token: the admin
      token is created at first start in <data-dir>/admin-token.

      Settings come from flags, else DOCKET_* environment variables (DOCKET_PORT, DOCKET_HOST,
      DOCKET_DATA_DIR, DOCKET_PUBLIC_URL, DOCKET_TRACKER_URLS (comma-separated),
      DOCKET_EMBEDDED_TRACKER, DOCKET_AUTH_READS, DOCKET_MAX_UPLOAD_BYTES, DOCKET_REGISTRY_CONFIG),
      else the JSON --config file, else defaults. Logs JSON lines to stdout; stops on Ctrl-C.
    `,
    examples: [
      ['Registry on port 5000, data in ./docket-data', '$0 registry'],
      [
        'Behind a name, with an extra tracker',
        '$0 registry --public-url http://registry.lan:5000 --tracker-url http://tracker.lan:6969/announce',
      ],
    ],
  });

  port = Option.String('--port', { description: 'port to listen on (default 5000; 0: any)' });
  host = Option.String('--host', { description: 'address to bind (default 0.0.0.0)' });
  dataDir = Option.String('--data-dir', { description: 'data directory (default ./docket-data)' });
  publicUrl = Option.String('--public-url', {
    description: 'URL peers reach this registry at (default http://<host>:<port>)',
  });
  trackerUrls = Option.Array('--tracker-url', {
    description: 'extra tracker announce URL for every torrent (repeatable)',
  });
  embeddedTracker = Option.Boolean('--embedded-tracker', {
    description: 'serve /announce and list it in torrents (default on; --no-embedded-tracker)',
  });
  authReads = Option.Boolean('--auth-reads', { description: 'require a token for reads too' });
  maxUploadBytes = Option.String('--max-upload-bytes', {
    description: 'largest blob upload or image archive accepted',
  });
  configFile = Option.String('--config', { description: 'JSON config file' });

  async run(): Promise<number> {
    const config = this.config();
    const logger = pino({ level: config.logLevel });
    const registry = await startRegistry(config, { logger });
    const { signal } = this.context.docket;
    if (!signal.aborted) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    }
    logger.info('shutting down');
    await registry.close();
    return 0;
  }

  private config(): RegistryConfig {
    const env = process.env;
    const file = this.configFile ?? env.DOCKET_REGISTRY_CONFIG;
    const flags: PartialConfig = {
      port: this.port === undefined ? undefined : int(this.port, '--port'),
      host: this.host,
      dataDir: this.dataDir,
      publicUrl: this.publicUrl,
      trackerUrls: this.trackerUrls,
      embeddedTracker: this.embeddedTracker,
      authReads: this.authReads,
      maxUploadBytes:
        this.maxUploadBytes === undefined
          ? undefined
          : int(this.maxUploadBytes, '--max-upload-bytes'),
    };
    try {
      return resolveConfig(file ? configFromFile(file) : {}, configFromEnv(env), flags);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
}

function int(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag}: not an integer: ${value}`);
  return n;
}
