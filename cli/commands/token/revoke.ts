import { Command, Option } from 'clipanion';
import { DocketCommand } from '../docket-command.js';
import { jsonOption, outputMode, quietOption } from '../output-options.js';

export class TokenRevokeCommand extends DocketCommand {
  static override paths = [['token', 'revoke']];

  static override usage = Command.Usage({
    description:
      'revoke a token: its requests, passkeys and signed URLs stop working (needs admin)',
    details: `
      The token is deleted. Its next HTTP request gets 401, its next announce is refused,
      the registry's seeder stops serving its peers at their next wire, its signed web
      seed URLs fail and its open event streams are closed.
    `,
    examples: [['Revoke the CI token', '$0 token revoke ci-app']],
  });

  name = Option.String({ name: 'name' });
  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print nothing');
  json = jsonOption('print {"revoked": name}');

  async run(): Promise<number> {
    const registry = await this.registryClient(this.registry);
    await registry.revokeToken(this.name);
    const mode = outputMode(this);
    if (mode === 'json')
      this.context.stdout.write(`${JSON.stringify({ revoked: this.name }, null, 2)}\n`);
    else if (mode === 'text') this.context.stdout.write(`revoked token ${this.name}\n`);
    return 0;
  }
}
