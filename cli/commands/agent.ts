import { Command, Option, UsageError } from 'clipanion';
import { type KeyTable, key } from '../../lib/config-keys.js';
import type { AgentEvent } from '../../agent/run-agent.js';
import { CACHE_KEYS, type CacheSettings } from '../../client/cache-keys.js';
import { RATE_KEYS, type RateLimits } from '../../client/rate-keys.js';
import { humanSize } from '../../lib/format.js';
import { untilAborted } from '../until-aborted.js';
import { DocketCommand } from './docket-command.js';
import { keyOptions, settingsOf } from './key-options.js';

export interface AgentSettings extends CacheSettings, RateLimits {
  listen: string;
  torrentPort: number;
  preheat: string[];
  allowedHosts: string[];
}

/** Where `docket agent` listens unless told otherwise (and where `docket preheat` asks). */
export const DEFAULT_AGENT_ADDRESS = '127.0.0.1:5050';

export const AGENT_KEYS: KeyTable<AgentSettings> = {
  listen: key.string({
    flag: '--listen',
    env: 'DOCKET_AGENT_LISTEN',
    description: 'HOST:PORT the runtimes pull from',
    default: DEFAULT_AGENT_ADDRESS,
  }),
  ...CACHE_KEYS,
  ...RATE_KEYS,
  torrentPort: key.port({
    flag: '--torrent-port',
    env: 'DOCKET_TORRENT_PORT',
    description: 'TCP port for incoming peers (0: any free port)',
    default: 0,
  }),
  preheat: key.list({
    flag: '--preheat',
    env: 'DOCKET_AGENT_PREHEAT',
    description: "fetch every pushed image whose repository matches, e.g. 'team/*' (repeatable)",
    default: [],
  }),
  allowedHosts: key.list({
    flag: '--allowed-hosts',
    env: 'DOCKET_AGENT_ALLOWED_HOSTS',
    description:
      'names runtimes reach the agent by, NAME or NAME:PORT (repeatable), besides localhost, 127.0.0.1, [::1] and the --listen address; other Host headers get 403',
    default: [],
  }),
};

export class AgentCommand extends DocketCommand {
  static override paths = [['agent']];

  static override usage = Command.Usage({
    description: 'serve the registry to the local docker and containerd, blobs from the swarm',
    details: `
      A long-running peer for this host. It serves the read side of the OCI distribution
      API (manifests, blobs, tags) on --listen without authentication: the registry's
      token stays with the agent. Manifests come from the registry on every tag request;
      blobs come from the swarm into the blob cache (the one \`docket pull\` uses), are
      verified, served, and seeded for as long as the agent runs and they stay cached.
      With --preheat the agent follows the registry's pushes and fetches matching images
      before anyone asks. Runs until Ctrl-C.

      Docker: \`docker pull 127.0.0.1:5050/team/app:v1\` (loopback registries need no
      daemon change). containerd: a hosts.toml mirror for the registry's host pointing
      at the agent (see the README). The agent answers only requests whose Host is
      localhost, 127.0.0.1, [::1] or the address it was reached on (at its port), or a
      name given with --allowed-hosts, and none a web page of another origin sends.
    `,
    examples: [
      ['Serve the configured registry on 127.0.0.1:5050', '$0 agent'],
      ['Preheat every push under team/', "$0 agent --preheat 'team/*'"],
      [
        'Keep the agent under 50 MB/s each way',
        '$0 agent --max-download-rate 50M --max-upload-rate 50M',
      ],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });

  constructor() {
    super();
    Object.assign(this, keyOptions(AGENT_KEYS));
  }

  async run(): Promise<number> {
    const { docket, stdout, stderr } = this.context;
    const settings = settingsOf(this, AGENT_KEYS, docket.environment);
    const { host, port } = parseListen(settings.listen);
    const registry = await this.registryClient(this.registry);
    const { startAgent } = await import('../../agent/run-agent.js');
    const agent = await startAgent({
      registry,
      cacheDir: settings.cacheDir ?? docket.cache.dir,
      cacheBytes: settings.cacheBytes,
      host,
      port,
      torrentPort: settings.torrentPort,
      rates: { maxDownloadRate: settings.maxDownloadRate, maxUploadRate: settings.maxUploadRate },
      preheat: settings.preheat,
      allowedHosts: settings.allowedHosts,
      onEvent: (e) => stdout.write(describe(e, registry.url.href)),
      onWarning: (m) => stderr.write(`docket agent: ${m}\n`),
    });
    try {
      await untilAborted(docket.signal);
    } finally {
      await agent.close();
    }
    return 0;
  }
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`--listen must be HOST:PORT, not "${text}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function describe(e: AgentEvent, registry: string): string {
  switch (e.kind) {
    case 'listening':
      return `agent for ${registry} listening on ${e.url} (peers on TCP ${e.torrentPort}; seeding ${e.seeding} blobs)\n`;
    case 'subscribed':
      return `preheating pushes matching ${e.patterns.join(', ')}\n`;
    case 'preheated':
      return `preheated ${e.image.repository}@${e.image.manifestDigest} (${e.image.blobs} blobs, ${humanSize(e.image.bytes)})\n`;
    case 'stopped':
      return `stopped; uploaded ${humanSize(e.uploadedBytes)} to peers\n`;
  }
}
