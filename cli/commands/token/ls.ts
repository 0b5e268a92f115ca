import { Command, Option } from 'clipanion';
import { relativeTime, table } from '../../output/format.js';
import { DocketCommand } from '../docket-command.js';
import { jsonOption, outputMode, quietOption } from '../output-options.js';

export class TokenLsCommand extends DocketCommand {
  static override paths = [['token', 'ls']];

  static override usage = Command.Usage({
    description: 'list the registry’s tokens: scopes, creation, last use, expiry (needs admin)',
    examples: [['Every token', '$0 token ls']],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print only the names');
  json = jsonOption('print the tokens as JSON');

  async run(): Promise<number> {
    const registry = await this.registryClient(this.registry);
    const tokens = await registry.listTokens();
    const { stdout } = this.context;
    const mode = outputMode(this);
    if (mode === 'json') {
      stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
      return 0;
    }
    if (mode === 'quiet') {
      for (const t of tokens) stdout.write(`${t.name}\n`);
      return 0;
    }
    const now = new Date();
    const when = (iso: string | null, none: string) =>
      iso === null ? none : relativeTime(new Date(iso), now);
    stdout.write(
      table(
        ['NAME', 'SCOPES', 'CREATED', 'LAST USED', 'EXPIRES'],
        tokens.map((t) => [
          t.name,
          t.scopes.join(' '),
          when(t.createdAt, '-'),
          when(t.lastUsedAt, 'never'),
          t.expiresAt ?? 'never',
        ]),
      ),
    );
    return 0;
  }
}
