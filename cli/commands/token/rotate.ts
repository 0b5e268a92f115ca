import { Command, Option } from 'clipanion';
import { DocketCommand } from '../docket-command.js';
import { jsonOption, outputMode, quietOption } from '../output-options.js';

export class TokenRotateCommand extends DocketCommand {
  static override paths = [['token', 'rotate']];

  static override usage = Command.Usage({
    description: 'give a token a new secret; the old one stops working (needs admin)',
    details: `
      Same name and scopes, new secret (printed once), new passkeys: the old secret, its
      passkeys and signed URLs stop working at their next use, like a revocation.
    `,
    examples: [['Rotate the CI token', '$0 token rotate ci-app']],
  });

  name = Option.String({ name: 'name' });
  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print only the new secret');
  json = jsonOption('print the token, new secret included, as JSON');

  async run(): Promise<number> {
    const registry = await this.registryClient(this.registry);
    const rotated = await registry.rotateToken(this.name);
    const { stdout } = this.context;
    const mode = outputMode(this);
    if (mode === 'json') stdout.write(`${JSON.stringify(rotated, null, 2)}\n`);
    else if (mode === 'quiet') stdout.write(`${rotated.token}\n`);
    else
      stdout.write(
        `rotated token ${rotated.name}; its new secret, shown this once:\n${rotated.token}\n`,
      );
    return 0;
  }
}
