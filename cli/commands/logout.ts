import { Command, Option } from 'clipanion';
import { normalizeRegistryUrl } from '../../client/credentials.js';
import { ConfigError } from '../../client/errors.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';

export class LogoutCommand extends DocketCommand {
  static override paths = [['logout']];

  static override usage = Command.Usage({
    description: 'remove the stored token of a registry (the default one unless --registry)',
    details: `
      When that registry is the default one (the last one logged in to), it stops
      being the default: commands then need --registry or $DOCKET_REGISTRY.
    `,
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
    const wasDefault = file.registry === url;
    if (removed || wasDefault) {
      const { [url]: _removed, ...auths } = file.auths ?? {};
      const { registry: _default, ...rest } = file;
      await docket.credentials.write({ ...(wasDefault ? rest : file), auths });
    }
    const mode = outputMode(this);
    if (mode === 'json')
      stdout.write(`${JSON.stringify({ registry: url, removed, defaultCleared: wasDefault })}\n`);
    else if (mode === 'text') {
      stdout.write(removed ? `Removed the token of ${url}\n` : `Not logged in to ${url}\n`);
      if (wasDefault) stdout.write(`${url} is no longer the default registry\n`);
    }
    return 0;
  }
}
