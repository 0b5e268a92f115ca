import { Command, Option, UsageError } from 'clipanion';
import { DEFAULT_TAG, formatReference } from '../../lib/reference.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';
import { parseImageArg, registryOfDomain } from './reference-arg.js';

export class RollbackCommand extends DocketCommand {
  static override paths = [['rollback']];

  static override usage = Command.Usage({
    description: 'move a tag back to a manifest it pointed to before (needs a token)',
    details: `
      Without options the tag goes one move back (see \`docket history\`: pushes and
      rollbacks are moves, so rolling back twice undoes the first rollback). \`--to\`
      takes a digest, or any unique start of one in the tag's history, such as the 12
      digits \`docket history\` prints. The rollback is recorded in the tag's history.
      The manifest must still be held (not swept by \`docket gc\`).
    `,
    examples: [
      ['One move back', '$0 rollback team/app:v1'],
      ['Three moves back', '$0 rollback --steps 3 team/app:v1'],
      ['To a manifest from the history', '$0 rollback --to 0123456789ab team/app:v1'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  to = Option.String('--to', {
    description: 'the manifest to point the tag at: a digest, or the start of one (docket history)',
  });
  steps = Option.String('--steps', { description: 'how many moves back (default 1)' });
  quiet = quietOption('print only the digest the tag now points at');
  json = jsonOption('print the result as JSON');
  image = Option.String({ name: 'IMAGE[:TAG]' });

  async run(): Promise<number> {
    const ref = parseImageArg(this.image, { allowDigest: false });
    if (this.to !== undefined && this.steps !== undefined)
      throw new UsageError('give either --to or --steps, not both');
    const target = {
      to: this.to && digestOrPrefix(this.to),
      steps: this.steps && steps(this.steps),
    };
    const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
    const tag = ref.tag ?? DEFAULT_TAG;
    const moved = await registry.rollback(ref.name, tag, {
      ...(target.to ? { to: target.to } : {}),
      ...(target.steps ? { steps: target.steps } : {}),
    });
    const mode = outputMode(this);
    this.context.stdout.write(
      mode === 'json'
        ? `${JSON.stringify(moved, null, 2)}\n`
        : mode === 'quiet'
          ? `${moved.to}\n`
          : `${formatReference({ name: ref.name, tag })}: ${moved.from ?? '(none)'} -> ${moved.to}\n`,
    );
    return 0;
  }
}

/** A digest, or the start of one: the registry finds the manifest in the tag's history. */
function digestOrPrefix(text: string): string {
  if (!/^(sha256:)?[0-9a-f]{1,64}$/.test(text))
    throw new UsageError(
      `--to "${text}": a digest or the start of one (hex digits, as docket history prints)`,
    );
  return text;
}

function steps(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--steps "${text}": an integer >= 1`);
  return n;
}
