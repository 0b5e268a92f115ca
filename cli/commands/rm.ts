import { Command, Option } from 'clipanion';
import { formatReference, manifestReference } from '../../lib/reference.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';
import { parseImageArg, registryOfDomain } from './reference-arg.js';

export class RmCommand extends DocketCommand {
  static override paths = [['rm']];

  static override usage = Command.Usage({
    description: 'delete tags or manifests from the registry (needs a token)',
    details: `
      \`IMAGE:TAG\` removes the tag only: the manifest stays until \`docket gc\` and the
      tag's history keeps every push, so \`docket rollback\` can bring it back.
      \`IMAGE@DIGEST\`, or \`--digest\` with a tag, deletes the manifest from the
      repository, and every tag on it. Space goes back only with \`docket gc\`.
    `,
    examples: [
      ['Untag', '$0 rm team/app:v1'],
      ['Delete the manifest v1 points at, with all its tags', '$0 rm --digest team/app:v1'],
      ['Delete a manifest by digest', '$0 rm team/app@sha256:0123…'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  digest = Option.Boolean('--digest', false, {
    description: 'delete the manifest the tag points at (and its other tags), not only the tag',
  });
  quiet = quietOption('print nothing');
  json = jsonOption('print what was deleted as a JSON array');
  images = Option.Rest({ name: 'IMAGE[:TAG]|IMAGE@DIGEST', required: 1 });

  async run(): Promise<number> {
    const mode = outputMode(this);
    const done: { reference: string; deleted: 'tag' | 'manifest' }[] = [];
    const say = (line: string) => {
      if (mode === 'text') this.context.stdout.write(`${line}\n`);
    };
    for (const image of this.images) {
      const ref = parseImageArg(image, { allowDigest: true });
      const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
      if (!ref.digest && !this.digest) {
        await registry.deleteManifest(ref.name, manifestReference(ref));
        done.push({ reference: formatReference(ref), deleted: 'tag' });
        say(`untagged ${formatReference(ref)}`);
        continue;
      }
      const digest =
        ref.digest ?? (await registry.getManifest(ref.name, manifestReference(ref))).digest;
      await registry.deleteManifest(ref.name, digest);
      done.push({ reference: `${ref.name}@${digest}`, deleted: 'manifest' });
      say(`deleted ${ref.name}@${digest}`);
    }
    if (mode === 'json') this.context.stdout.write(`${JSON.stringify(done, null, 2)}\n`);
    return 0;
  }
}
