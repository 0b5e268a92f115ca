import { Command, Option } from 'clipanion';
import { humanSize, relativeTime, shortDigest, table } from '../output/format.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';

export class ImagesCommand extends DocketCommand {
  static override paths = [['images']];

  static override usage = Command.Usage({
    description: 'list the images (repository:tag) the registry holds',
    examples: [
      ['A table like `docker images`', '$0 images'],
      ['JSON for scripts', '$0 images --json'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print only REPOSITORY:TAG, one a line');
  json = jsonOption('print a JSON array');

  async run(): Promise<number> {
    const registry = await this.registryClient(this.registry);
    const images = await registry.listImages();
    const { stdout } = this.context;
    const mode = outputMode(this);
    if (mode === 'json') {
      stdout.write(`${JSON.stringify(images, null, 2)}\n`);
      return 0;
    }
    if (mode === 'quiet') {
      stdout.write(images.map((i) => `${i.repository}:${i.tag}\n`).join(''));
      return 0;
    }
    const now = new Date();
    const rows = images.map((i) => [
      i.repository,
      i.tag,
      shortDigest(i.digest),
      humanSize(i.size),
      relativeTime(new Date(i.created ?? i.lastPushed), now),
    ]);
    stdout.write(table(['REPOSITORY', 'TAG', 'DIGEST', 'SIZE', 'CREATED'], rows));
    return 0;
  }
}
