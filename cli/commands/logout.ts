import { Command, Option } from 'clipanion';
import { normalizeRegistryUrl } from '../../client/credentials.js';
import { ConfigError } from '../../client/errors.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';

export class LogoutCommand extends DocketCommand {
  static override paths = [['logout']];

  static override usage = Command.Usage({
    description: 'remove the stored token of a registry (the default one unless --registry)',
    examples: [['Forget the token', '$0 logout']],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print nothing');
  json = jsonOption('print {"registry", "removed"} as JSON');

  async run(): Promise<number> {
    const { docket, stdout } = this.context;
    const file = await docket.credentials.read();
    const named = this.registry ?? docket.env.registry ?? file.registry;
    if (!named) throw new ConfigError('no registry to log out of: pass --registry URL');
    const url = normalizeRegistryUrl(named);
    const removed = file.auths?.[url] !== undefined;
    if (file.auths && removed) {
      const { [url]: _removed, ...auths } = file.auths;
      await docket.credentials.write({ ...file, auths });
    }
    const mode = outputMode(this);
    if (mode === 'json') stdout.write(`${JSON.stringify({ registry: url, removed })}\n`);
    else if (mode === 'text')
      stdout.write(removed ? `Removed the token of ${url}\n` : `Not logged in to ${url}\n`);
    return 0;
  }
}
