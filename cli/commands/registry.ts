import { Command, Option, UsageError } from 'clipanion';
import { envVarList, helpLine } from '../../lib/config-keys.js';
import {
  ConfigError,
  CONFIG_FILE_KEY,
  loadConfig,
  type RegistryConfig,
  REGISTRY_KEYS,
} from '../../registry/config.js';
import { DocketCommand } from './docket-command.js';
import { flagValues, keyOptions } from './key-options.js';

export class RegistryCommand extends DocketCommand {
  static override paths = [['registry']];

  static override usage = Command.Usage({
    description: 'run the docket registry (OCI distribution API, tracker, seeder)',
    details: `
      Serves the OCI distribution API at /v2/ (docker push/pull, skopeo), the docket API at
      /docket/v1/ (tarball import, image listing, .torrent files), an embedded BitTorrent
      tracker at /announce and Prometheus metrics at /metrics. Writes need a token: the admin
      token is created at first start in <data-dir>/admin-token.

      Settings come from flags, else DOCKET_* environment variables (${envVarList(REGISTRY_KEYS)},
      ${CONFIG_FILE_KEY.env}), else the JSON --config file (keyed by setting name, e.g.
      {"gcGraceSeconds": "2h", "authReads": true}; a string value reads as the variable's
      would), else defaults. Durations take 30s, 5m, 2h, 1d. Prints where it listens, where
      the admin token is and the \`docket login\` command on stderr; logs readable lines to
      stdout on a terminal, JSON lines otherwise (announces at debug level); stops on Ctrl-C.
    `,
    examples: [
      ['Registry on port 5000, data in ./docket-data', '$0 registry'],
      [
        'Behind a name, with an extra tracker',
        '$0 registry --public-url http://registry.lan:5000 --tracker-url http://tracker.lan:6969/announce',
      ],
    ],
  });

  configFile = Option.String(CONFIG_FILE_KEY.flag as string, {
    description: helpLine(CONFIG_FILE_KEY),
  });

  constructor() {
    super();
    Object.assign(this, keyOptions(REGISTRY_KEYS));
  }

  async run(): Promise<number> {
    // Loaded here, not at the top: every other command would pay for koa, SQLite and
    // webtorrent at start-up.
    const { cliCommand, serveRegistry } = await import('../serve-registry.js');
    const { docket, stderr } = this.context;
    await serveRegistry(this.config(), {
      signal: docket.signal,
      pretty: docket.isTTY,
      colored: docket.colored,
      banner: stderr,
      version: docket.version,
      cli: cliCommand(docket.environment.PATH, process.argv[1], process.cwd()),
    });
    return 0;
  }

  private config(): RegistryConfig {
    const flags = flagValues(this, REGISTRY_KEYS);
    try {
      return loadConfig(flags, this.context.docket.environment, this.configFile);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
}
