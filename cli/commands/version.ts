import { Command, Option } from 'clipanion';
import { chooseRegistry } from '../../client/credentials.js';
import { ConfigError, RegistryUnreachableError } from '../../client/errors.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';

export class VersionCommand extends DocketCommand {
  static override paths = [['version']];

  static override usage = Command.Usage({
    description: "print docket's version and the registry's",
    details: `
      The registry is the one the other commands would use (--registry, DOCKET_REGISTRY or
      the config file); without one, or when it cannot be reached, only the client's version
      is printed and the registry's is reported as unknown.
    `,
    examples: [
      ['Both versions', '$0 version'],
      ['As JSON', '$0 version --json'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption("print only the client's version");
  json = jsonOption('print {"client", "registry", "registryUrl"} as JSON');

  async run(): Promise<number> {
    const { docket, stdout } = this.context;
    const mode = outputMode(this);
    if (mode === 'quiet') {
      stdout.write(`${docket.version}\n`);
      return 0;
    }
    const remote = await this.registryVersion();
    if (mode === 'json') {
      stdout.write(
        `${JSON.stringify({ client: docket.version, registry: remote.version ?? null, registryUrl: remote.url ?? null })}\n`,
      );
      return 0;
    }
    stdout.write(`client:   docket ${docket.version} (Node.js ${process.versions.node})\n`);
    stdout.write(
      remote.url
        ? `registry: ${remote.version ? `docket ${remote.version}` : `unknown (${remote.why})`} at ${remote.url}\n`
        : `registry: none named (--registry, DOCKET_REGISTRY or docket login)\n`,
    );
    return 0;
  }

  private async registryVersion(): Promise<{ url?: string; version?: string; why?: string }> {
    const { docket } = this.context;
    let url: string;
    try {
      url = chooseRegistry(this.registry, docket.env, await docket.credentials.read()).url;
    } catch (err) {
      if (err instanceof ConfigError) return {};
      throw err;
    }
    try {
      const version = await (await this.registryClient(this.registry)).version();
      return version ? { url, version } : { url, why: 'it does not say' };
    } catch (err) {
      if (err instanceof RegistryUnreachableError) return { url, why: err.reason };
      throw err;
    }
  }
}
