import { Command, Option, UsageError } from 'clipanion';
import { parseScope, ScopeInvalidError } from '../../../lib/api/scopes.js';
import { DocketCommand } from '../docket-command.js';
import { jsonOption, outputMode, quietOption } from '../output-options.js';
import { durationArg } from '../duration-arg.js';

export class TokenCreateCommand extends DocketCommand {
  static override paths = [['token', 'create']];

  static override usage = Command.Usage({
    description: 'create a token with scopes (needs the admin scope); prints its secret once',
    details: `
      Scopes: \`pull:<pattern>\` reads, \`push:<pattern>\` pushes (and reads),
      \`delete:<pattern>\` deletes manifests and tags, \`admin\` does everything (gc,
      tokens). In a pattern \`*\` is one repository name component and a last \`**\` any
      number of them: \`team/*\` matches team/app, \`team/**\` also team/app/api, \`**\`
      every repository. The registry keeps only the token's hash: store the secret now.
    `,
    examples: [
      [
        'A CI token that pushes one app and reads its team',
        "$0 token create ci-app --scope 'pull:team/*' --scope 'push:team/app' --expires 90d",
      ],
    ],
  });

  name = Option.String({ name: 'name' });
  registry = Option.String('--registry', { description: 'registry URL' });
  scopes = Option.Array('--scope', {
    required: true,
    description: 'admin, pull:<pattern>, push:<pattern> or delete:<pattern> (repeatable)',
  });
  expires = Option.String('--expires', {
    description: 'the token stops working after this long, e.g. 90d (default: never)',
  });
  quiet = quietOption('print only the secret');
  json = jsonOption('print the token, secret included, as JSON');

  async run(): Promise<number> {
    for (const scope of this.scopes) {
      try {
        parseScope(scope);
      } catch (err) {
        if (err instanceof ScopeInvalidError) throw new UsageError(err.message);
        throw err;
      }
    }
    const expiresInSeconds =
      this.expires === undefined
        ? undefined
        : durationArg(this.expires, '--expires', { allowZero: false, round: Math.ceil });
    const registry = await this.registryClient(this.registry);
    const created = await registry.createToken({
      name: this.name,
      scopes: this.scopes,
      ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
    });
    const { stdout } = this.context;
    const mode = outputMode(this);
    if (mode === 'json') stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    else if (mode === 'quiet') stdout.write(`${created.token}\n`);
    else
      stdout.write(
        `created token ${created.name} (${created.scopes.join(' ')}` +
          `${created.expiresAt ? `, expires ${created.expiresAt}` : ''}); ` +
          `its secret, shown this once:\n${created.token}\n`,
      );
    return 0;
  }
}
