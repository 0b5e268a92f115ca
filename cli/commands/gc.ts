import { Command, Option } from 'clipanion';
import { formatDuration } from '../../lib/duration.js';
import { humanSize } from '../../lib/format.js';
import { table } from '../output/format.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';
import { durationArg } from './duration-arg.js';

export class GcCommand extends DocketCommand {
  static override paths = [['gc']];

  static override usage = Command.Usage({
    description: 'sweep the manifests and blobs no tag reaches from the registry (needs admin)',
    details: `
      The registry marks every tagged manifest, the images of a tagged index, and
      every manifest and blob pushed or reused within the grace period (default: one
      hour, so pushes in progress keep their blobs); it deletes the rest from disk and
      its database, stops seeding them and drops their infohashes from the tracker.
      It runs inside the registry, while pushes go on.
    `,
    examples: [
      ['What would go, and the bytes it would free', '$0 gc --dry-run'],
      [
        'Sweep everything untagged now (below the 5-minute floor: --force)',
        '$0 gc --grace 0 --force',
      ],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  dryRun = Option.Boolean('--dry-run', false, { description: 'only list what would go' });
  grace = Option.String('--grace', {
    description:
      'keep what was pushed or reused within this long, e.g. 2h; a bare number is seconds (default: the registry’s)',
  });
  force = Option.Boolean('--force', false, {
    description:
      'allow a --grace below the registry’s 5-minute floor (pushes in progress may fail)',
  });
  quiet = quietOption('print only the bytes freed (or that would be)');
  json = jsonOption('print the result as JSON');

  async run(): Promise<number> {
    const graceSeconds =
      this.grace === undefined
        ? undefined
        : durationArg(this.grace, '--grace', { allowZero: true, round: Math.floor });
    const registry = await this.registryClient(this.registry);
    const result = await registry.collectGarbage({
      dryRun: this.dryRun,
      graceSeconds,
      force: this.force,
    });
    const { stdout } = this.context;
    const mode = outputMode(this);
    if (mode !== 'text') {
      stdout.write(
        mode === 'json' ? `${JSON.stringify(result, null, 2)}\n` : `${result.bytesFreed}\n`,
      );
      return 0;
    }
    if (result.blobs.length > 0)
      stdout.write(
        table(
          ['BLOB', 'SIZE'],
          result.blobs.map((b) => [b.digest, humanSize(b.size)]),
        ),
      );
    const verb = result.dryRun ? 'would free' : 'freed';
    stdout.write(
      `${verb} ${humanSize(result.bytesFreed)} (${result.bytesFreed} bytes): ` +
        `${result.blobs.length} blobs, ${result.manifests.length} manifests\n`,
    );
    const kept = result.keptByGrace;
    if (kept.manifests + kept.blobs > 0)
      stdout.write(
        `kept by the ${formatDuration(result.graceSeconds, 's')} grace period: ` +
          `${kept.manifests} manifests, ${kept.blobs} blobs (${humanSize(kept.bytes)}) no tag ` +
          `reaches, pushed or used since; --grace 0 --force ${result.dryRun ? 'would sweep' : 'sweeps'} them\n`,
      );
    return 0;
  }
}
