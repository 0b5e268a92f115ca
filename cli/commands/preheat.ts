import { Command, Option } from 'clipanion';
import { manifestReference } from '../../lib/reference.js';
import { RegistryClient } from '../../client/registry-client.js';
import { humanSize } from '../../lib/format.js';
import { DEFAULT_AGENT_ADDRESS, parseListen } from './agent.js';
import { DocketCommand } from './docket-command.js';
import { parseImageArg } from './reference-arg.js';

export class PreheatCommand extends DocketCommand {
  static override paths = [['preheat']];

  static override usage = Command.Usage({
    description: 'have the local `docket agent` fetch an image into its cache now',
    details: `
      Asks the agent at --agent to fetch the image's config and layers (from the swarm)
      and seed them, and waits until they are cached: a later \`docker pull\` through the
      agent then reads them from this host.
    `,
    examples: [['Preheat before a deploy', '$0 preheat team/app:v1']],
  });

  agent = Option.String('--agent', DEFAULT_AGENT_ADDRESS, {
    description: `HOST:PORT of the agent (default ${DEFAULT_AGENT_ADDRESS})`,
  });
  json = Option.Boolean('--json', false, { description: 'print the result as JSON' });
  image = Option.String({ name: 'IMAGE[:TAG]' });

  async run(): Promise<number> {
    const ref = parseImageArg(this.image, { allowDigest: true });
    const { host, port } = parseListen(this.agent);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // The agent answers in the registry's error envelope: RegistryClient's errors apply.
    const result = await new RegistryClient({ url }).preheat(ref.name, manifestReference(ref));
    const { stdout } = this.context;
    if (this.json) stdout.write(`${JSON.stringify(result)}\n`);
    else
      stdout.write(
        `preheated ${result.repository}:${result.reference} (${result.manifestDigest}): ` +
          `${result.blobs} blobs, ${humanSize(result.bytes)}\n`,
      );
    return 0;
  }
}
