import { Command, Option } from 'clipanion';
import { DEFAULT_TAG } from '../../lib/reference.js';
import { humanSize } from '../../lib/format.js';
import { relativeTime, shortDigest, table } from '../output/format.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';
import { parseImageArg, registryOfDomain } from './reference-arg.js';

export class HistoryCommand extends DocketCommand {
  static override paths = [['history']];

  static override usage = Command.Usage({
    description: 'every manifest a tag has pointed to: when, by which token, size',
    details: `
      Newest first. ACTION is push, rollback or delete (a deleted tag keeps its
      history). SIZE is empty for a manifest garbage collection swept.
    `,
    examples: [
      ['History of team/app:latest', '$0 history team/app'],
      ['As JSON', '$0 history --json team/app:v1'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print only the digests, newest first');
  json = jsonOption('print JSON');
  image = Option.String({ name: 'IMAGE[:TAG]' });

  async run(): Promise<number> {
    const ref = parseImageArg(this.image, { allowDigest: false });
    const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
    const history = await registry.tagHistory(ref.name, ref.tag ?? DEFAULT_TAG);
    const { stdout } = this.context;
    const mode = outputMode(this);
    if (mode === 'json') {
      stdout.write(`${JSON.stringify(history, null, 2)}\n`);
      return 0;
    }
    if (mode === 'quiet') {
      stdout.write(history.history.map((h) => `${h.digest}\n`).join(''));
      return 0;
    }
    const now = new Date();
    const rows = history.history.map((h) => [
      relativeTime(new Date(h.pushedAt), now),
      h.action,
      shortDigest(h.digest),
      h.pushedBy ?? '-',
      h.size === null ? '' : humanSize(h.size),
    ]);
    stdout.write(table(['WHEN', 'ACTION', 'DIGEST', 'BY', 'SIZE'], rows));
    return 0;
  }
}
