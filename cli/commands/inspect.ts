import { Command, Option } from 'clipanion';
import { manifestReference } from '../../lib/reference.js';
import { artifactKind } from '../../lib/artifact-types.js';
import { humanSize } from '../../lib/format.js';
import { table } from '../output/format.js';
import { type ImageInspection, inspectImage } from '../../client/services/inspect.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';
import { parseImageArg, registryOfDomain } from './reference-arg.js';

export class InspectCommand extends DocketCommand {
  static override paths = [['inspect']];

  static override usage = Command.Usage({
    description:
      'show an image in the registry: manifest, config, layers and who shares them, referrers',
    details: `
      Referrers are the manifests pushed with the image as their \`subject\` (OCI 1.1):
      signatures, SBOMs, attestations. They are listed with their artifact type, digest,
      size and creation time; \`--json\` gives their annotations too.
    `,
    examples: [
      ['Readable summary', '$0 inspect team/app:v1'],
      ['Everything as JSON (the manifest included)', '$0 inspect --json team/app:v1'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  quiet = quietOption('print only the digest the reference resolves to');
  json = jsonOption('print JSON');
  image = Option.String({ name: 'IMAGE[:TAG]|IMAGE@DIGEST' });

  async run(): Promise<number> {
    const ref = parseImageArg(this.image, { allowDigest: true });
    const registry = await this.registryClient(this.registry ?? registryOfDomain(ref));
    const info = await inspectImage(registry, ref.name, manifestReference(ref));
    const mode = outputMode(this);
    this.context.stdout.write(
      mode === 'json'
        ? `${JSON.stringify(info, null, 2)}\n`
        : mode === 'quiet'
          ? `${info.digest}\n`
          : render(info),
    );
    return 0;
  }
}

function render(i: ImageInspection): string {
  const c = i.config;
  const lines = [
    `Image:        ${i.repository}:${i.reference}`,
    `Digest:       ${i.digest}`,
    ...(i.platforms.length > 0
      ? [
          `Platforms:    ${i.platforms.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/')).join(', ')}`,
          `Manifest:     ${i.manifestDigest}`,
        ]
      : []),
    `Config:       ${c.digest}`,
    `Platform:     ${c.os ?? '?'}/${c.architecture ?? '?'}`,
    `Created:      ${c.created ?? '-'}`,
    `Size:         ${humanSize(i.size)} (${i.size} bytes)`,
    `Entrypoint:   ${c.entrypoint ? JSON.stringify(c.entrypoint) : '-'}`,
    `Cmd:          ${c.cmd ? JSON.stringify(c.cmd) : '-'}`,
    `WorkingDir:   ${c.workingDir ?? '-'}`,
    `User:         ${c.user ?? '-'}`,
    `Env:          ${c.env.join(' ') || '-'}`,
    `ExposedPorts: ${c.exposedPorts.join(', ') || '-'}`,
    `Labels:       ${
      Object.entries(c.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '-'
    }`,
    '',
  ];
  const rows = i.layers.map((l) => [l.digest, humanSize(l.size), l.sharedWith.join(', ') || '-']);
  const layers = table(['LAYER', 'SIZE', 'SHARED WITH'], rows);
  return `${lines.join('\n')}${layers}\n${renderReferrers(i)}`;
}

function renderReferrers(i: ImageInspection): string {
  if (i.referrers.length === 0) return 'Referrers:    none\n';
  const subjects = new Set(i.referrers.map((r) => r.subject)).size;
  const rows = i.referrers.map((r) => [
    artifactKind(r.artifactType ?? undefined) ?? '-',
    r.artifactType ?? '-',
    r.digest,
    humanSize(r.size),
    r.annotations[CREATED] ?? '-',
    ...(subjects > 1 ? [r.subject === i.digest ? 'index' : 'image'] : []),
  ]);
  const header = ['REFERRER', 'ARTIFACT TYPE', 'DIGEST', 'SIZE', 'CREATED'];
  return table(subjects > 1 ? [...header, 'OF'] : header, rows);
}

/** image-spec annotations.md: when the artifact was created. */
const CREATED = 'org.opencontainers.image.created';
