import { Command, Option } from 'clipanion';
import { normalizeRegistryUrl } from '../config.js';
import { ConfigError } from '../errors.js';
import { DocketCommand } from './docket-command.js';

export class LogoutCommand extends DocketCommand {
  static override paths = [['logout']];

  static override usage = Command.Usage({
    description: 'remove the stored token of a registry (the default one unless --registry)',
    examples: [['Forget the token', '$0 logout']],
  });

  registry = Option.String('--registry', { description: 'registry URL' });

  async run(): Promise<number> {
    const { docket, stdout } = this.context;
    const file = await docket.config.read();
    const named = this.registry ?? docket.env.registry ?? file.registry;
    if (!named) throw new ConfigError('no registry to log out of: pass --registry URL');
    const url = normalizeRegistryUrl(named);
    if (!file.auths?.[url]) {
      stdout.write(`Not logged in to ${url}\n`);
      return 0;
    }
    const { [url]: _removed, ...auths } = file.auths;
    await docket.config.write({ ...file, auths });
    stdout.write(`Removed the token of ${url}\n`);
    return 0;
  }
}
