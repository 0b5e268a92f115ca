import { Command, Option } from 'clipanion';
import { formatReference } from '../../lib/reference.js';
import { humanSize, shortDigest } from '../output/format.js';
import { type PushEvent, pushImage } from '../services/push.js';
import { DocketCommand } from './docket-command.js';
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
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'print only the manifest digest' });
  jsonSummary = Option.Boolean('--json-summary', false, {
    description: 'print only the summary, as JSON (layers uploaded/skipped, bytes, digest)',
  });
  image = Option.String({ name: 'IMAGE[:TAG]' });

  async run(): Promise<number> {
    const ref = parseImageArg(this.image, { allowDigest: false });
    const tag = ref.tag as string;
    const { docket, stdout } = this.context;
    const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
    const source = formatReference({ ...ref, tag });
    const result = await pushImage(
      {
        engine: docket.engine(),
        registry,
        tmpDir: docket.tmpDir,
        concurrency: docket.cpus,
        onEvent: this.quiet || this.jsonSummary ? undefined : (e) => stdout.write(describe(e)),
      },
      source,
      { repository: ref.name, tag },
    );
    if (this.jsonSummary) {
      stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    if (this.quiet) {
      stdout.write(`${result.manifestDigest}\n`);
      return 0;
    }
    stdout.write(
      `pushed ${registry.host}/${ref.name}:${tag}: ${result.layersUploaded} layers uploaded, ` +
        `${result.layersSkipped} skipped, config ${result.configUploaded ? 'uploaded' : 'skipped'}, ` +
        `${humanSize(result.bytesUploaded)} in ${result.seconds.toFixed(1)}s\n` +
        `digest: ${result.manifestDigest}\n`,
    );
    return 0;
  }
}

function describe(e: PushEvent): string {
  switch (e.kind) {
    case 'layer': {
      const what = {
        known: 'already in the registry (same diffId)',
        present: 'already in the registry',
        uploaded: 'uploaded',
      }[e.outcome];
      return `layer ${e.index + 1} ${shortDigest(e.diffId)} ${humanSize(e.size)}: ${what}\n`;
    }
    case 'config':
      return `config: ${e.uploaded ? 'uploaded' : 'already in the registry'}\n`;
    case 'manifest':
      return `manifest: ${e.digest}\n`;
  }
}
