import { Command, Option } from 'clipanion';
import { formatReference } from '../../lib/reference.js';
import { humanSize, plural } from '../../lib/format.js';
import { PushProgress } from '../output/push-progress.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, jsonSummaryAlias, outputMode, quietOption } from './output-options.js';
import { parseImageArg, registryOfDomain } from './reference-arg.js';

export class PushCommand extends DocketCommand {
  static override paths = [['push']];

  static override usage = Command.Usage({
    description: 'push an image from the local Docker engine to the registry',
    details: `
      Reads the image out of the Docker engine, reuses every layer the registry
      already stores, gzips and uploads the others, then the config, and puts a
      Docker schema2 manifest under the tag. Needs a token (\`docket login\` or
      DOCKET_TOKEN).
    `,
    examples: [
      ['Push app:v1 to the default registry', '$0 push app:v1'],
      ['Push to a given registry', '$0 push --registry http://127.0.0.1:5000 team/app:v2'],
      ['Print only the digest', '$0 push -q app:v1'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print only the manifest digest, no progress');
  json = jsonOption();
  jsonSummary = jsonSummaryAlias();
  image = Option.String({ name: 'IMAGE[:TAG]' });

  async run(): Promise<number> {
    const ref = parseImageArg(this.image, { allowDigest: false });
    const tag = ref.tag as string;
    const { docket, stdout, stderr } = this.context;
    const mode = outputMode(this);
    const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
    const source = formatReference({ ...ref, tag });
    const log = mode === 'json' ? stderr : stdout;
    const progress =
      mode === 'quiet' ? undefined : new PushProgress(log, docket.isTTY && mode === 'text');
    if (mode !== 'quiet') log.write(`reading ${source} from the Docker engine\n`);
    // Loaded here, not at the top: the command index loads every command at start-up.
    const { pushImage } = await import('../../client/services/push.js');
    const result = await pushImage(
      {
        engine: docket.engine(),
        registry,
        tmpDir: docket.tmpDir,
        concurrency: docket.cpus,
        signal: docket.signal,
        ...(progress ? { onEvent: progress.onEvent } : {}),
      },
      source,
      { repository: ref.name, tag },
    );
    progress?.finish();
    if (mode === 'json') {
      stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    if (mode === 'quiet') {
      stdout.write(`${result.manifestDigest}\n`);
      return 0;
    }
    stdout.write(
      `pushed ${registry.host}/${ref.name}:${tag}: ${plural(result.layersUploaded, 'layer')} uploaded, ` +
        `${result.layersSkipped} skipped, config ${result.configUploaded ? 'uploaded' : 'skipped'}, ` +
        `${humanSize(result.bytesUploaded)} in ${result.seconds.toFixed(1)}s\n` +
        `digest: ${result.manifestDigest}\n`,
    );
    return 0;
  }
}
