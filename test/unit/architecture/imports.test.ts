import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import direction of docs/architecture.md ("Layers"): client → registry, tracker →
 * lib, and nothing imports upwards. testbed/ (real engines, network namespaces, test
 * images) is tooling that bench/ and test/ share: it may import any layer; bench/ and
 * test/ may import it and the layers, never each other; no layer imports the tooling.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAYERS = ['lib', 'registry', 'tracker', 'client', 'testbed', 'bench', 'test'] as const;
type Layer = (typeof LAYERS)[number];

const TOOLING = ['testbed', 'bench', 'test'];

/** Top-level folders each layer must not import from. */
const FORBIDDEN: Record<Layer, readonly string[]> = {
  lib: ['registry', 'tracker', 'client', ...TOOLING],
  registry: ['client', ...TOOLING],
  tracker: ['client', ...TOOLING],
  client: ['registry', 'tracker', ...TOOLING],
  testbed: ['bench', 'test'],
  bench: ['test'],
  test: ['bench'],
};

/**
 * The client files that compose a registry or a tracker (`docket registry`, `docket
 * tracker`): the only ones that may import them, and only the layer they start.
 */
const COMPOSITION_POINTS: Readonly<Record<string, readonly string[]>> = {
  'client/commands/registry.ts': ['registry'],
  'client/services/serve-registry.ts': ['registry'],
  'client/commands/tracker.ts': ['tracker'],
};

/** Module specifiers of static imports, re-exports and dynamic imports, comments left out. */
function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const re of [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
  ]) {
    for (const m of code.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

/** One line per import that breaks the rule, for a file at `file` (repository-relative, `/`). */
function violations(file: string, source: string): string[] {
  const layer = file.split('/')[0] as Layer;
  const forbidden = FORBIDDEN[layer];
  if (!forbidden) return [];
  const out: string[] = [];
  for (const spec of importSpecifiers(source)) {
    if (!spec.startsWith('.')) continue;
    const target = posix.normalize(posix.join(posix.dirname(file), spec));
    const top = target.split('/')[0]!;
    if (target.startsWith('../') || !forbidden.includes(top)) continue;
    if (COMPOSITION_POINTS[file]?.includes(top)) continue;
    out.push(`${file} imports '${spec}' (${layer}/ may not import ${top}/)`);
  }
  return out;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sources(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('import direction', () => {
  it('holds for every source file', () => {
    const files = LAYERS.flatMap((layer) => sources(layer));
    expect(files.length).toBeGreaterThan(150);
    const found = files.flatMap((file) => violations(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(found).toEqual([]);
  });

  it('names each violating file and import', () => {
    const bad = [
      "import type { ImageSummary } from '../../client/registry-client.js';",
      "import { x } from '../../test/helpers/images.js';",
    ].join('\n');
    expect(violations('registry/services/images.ts', bad)).toEqual([
      "registry/services/images.ts imports '../../client/registry-client.js' (registry/ may not import client/)",
      "registry/services/images.ts imports '../../test/helpers/images.js' (registry/ may not import test/)",
    ]);
    expect(violations('lib/api/paths.ts', "export { a } from '../../registry/main.js';")).toEqual([
      "lib/api/paths.ts imports '../../registry/main.js' (lib/ may not import registry/)",
    ]);
    expect(
      violations('client/commands/push.ts', "await import('../../registry/main.js');"),
    ).toEqual([
      "client/commands/push.ts imports '../../registry/main.js' (client/ may not import registry/)",
    ]);
  });

  it('keeps bench/ and test/ apart: they share testbed/', () => {
    expect(
      violations('test/e2e/multihost/swarm.test.ts', "import '../../../bench/run.js';"),
    ).toEqual([
      "test/e2e/multihost/swarm.test.ts imports '../../../bench/run.js' (test/ may not import bench/)",
    ]);
    expect(violations('bench/image.ts', "import '../test/helpers/images.js';")).toEqual([
      "bench/image.ts imports '../test/helpers/images.js' (bench/ may not import test/)",
    ]);
    expect(violations('testbed/docket.ts', "import '../bench/config.js';")).toHaveLength(1);
    expect(violations('bench/run.ts', "import '../testbed/testbed.js';")).toEqual([]);
    expect(violations('test/e2e/x.test.ts', "import '../../testbed/images.js';")).toEqual([]);
    expect(violations('client/cli.ts', "import '../testbed/images.js';")).toHaveLength(1);
  });

  it('lets the composition points start what they compose, and nothing more', () => {
    expect(violations('client/commands/registry.ts', "import '../../registry/main.js';")).toEqual(
      [],
    );
    expect(
      violations('client/commands/tracker.ts', "import '../../tracker/standalone.js';"),
    ).toEqual([]);
    expect(
      violations('client/commands/tracker.ts', "import '../../registry/main.js';"),
    ).toHaveLength(1);
  });

  it('ignores packages, imports within the layer and comments', () => {
    const ok = [
      "import { pino } from 'pino';",
      "import { parseDigest } from '../digest.js';",
      "// import { x } from '../../client/cli.js';",
      "/* import { y } from '../../test/z.js'; */",
    ].join('\n');
    expect(violations('lib/api/routes.ts', ok)).toEqual([]);
  });
});
