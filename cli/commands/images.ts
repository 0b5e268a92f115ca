import { Command, Option } from 'clipanion';
import { humanSize } from '../../lib/format.js';
import { relativeTime, shortDigest, table } from '../output/format.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';

export class ImagesCommand extends DocketCommand {
  static override paths = [['images']];

  static override usage = Command.Usage({
    description: 'list the images (repository:tag) the registry holds',
    details: `
      With --all, also the manifests a repository still holds that no tag points at
      (TAG <none>): what \`docket gc\` sweeps once they are older than its grace period.
    `,
    examples: [
      ['A table like `docker images`', '$0 images'],
      ['Untagged manifests too', '$0 images --all'],
      ['JSON for scripts', '$0 images --json'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  all = Option.Boolean('-a,--all', false, { description: 'show untagged manifests too' });
  quiet = quietOption('print only REPOSITORY:TAG, one a line');
  json = jsonOption('print a JSON array (with --all, untagged entries have "tag": null)');

  async run(): Promise<number> {
    const registry = await this.registryClient(this.registry);
    const listed = this.all
      ? await registry.listAllImages()
      : { images: await registry.listImages(), untagged: [] };
    const images = [
      ...listed.images,
      ...listed.untagged.map((u) => ({ ...u, tag: null as string | null })),
    ];
    const { stdout } = this.context;
    const mode = outputMode(this);
    if (mode === 'json') {
      stdout.write(`${JSON.stringify(images, null, 2)}\n`);
      return 0;
    }
    if (mode === 'quiet') {
      stdout.write(
        images.map((i) => `${i.repository}${i.tag ? `:${i.tag}` : `@${i.digest}`}\n`).join(''),
      );
      return 0;
    }
    const now = new Date();
    // The PLATFORMS column only when some image is multi-arch.
    const multiArch = images.some((i) => i.platforms.length > 1);
    const rows = images.map((i) => [
      i.repository,
      i.tag ?? '<none>',
      shortDigest(i.digest),
      humanSize(i.size),
      relativeTime(new Date(i.created ?? i.lastPushed), now),
      ...(multiArch ? [i.platforms.join(',')] : []),
    ]);
    const header = ['REPOSITORY', 'TAG', 'DIGEST', 'SIZE', 'CREATED'];
    // A long repository or tag is cut (…): --json and -q print names whole.
    stdout.write(table(multiArch ? [...header, 'PLATFORMS'] : header, rows, [40, 30]));
    return 0;
  }
}
