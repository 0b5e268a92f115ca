import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import direction of docs/architecture.md ("Layers"): one folder per process, and
 * imports point down only.
 *
 *   cli/  →  agent/ → client/ → lib/
 *        →  registry/ → tracker/ → lib/
 *   web/  →  lib/
 *
 * testbed/ (real engines, network namespaces, test images) is tooling that bench/ and
 * test/ share: it may import any layer; bench/ and test/ may import it and the layers,
 * never each other; no layer imports the tooling.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAYERS = [
  'lib',
  'tracker',
  'registry',
  'client',
  'agent',
  'cli',
  'web',
  'testbed',
  'bench',
  'test',
] as const;
type Layer = (typeof LAYERS)[number];

const TOOLING = ['testbed', 'bench', 'test'];
const PRODUCT = ['lib', 'tracker', 'registry', 'client', 'agent', 'cli', 'web'];

/** The top-level folders each layer may import, itself included. */
const ALLOWED: Record<Layer, readonly string[]> = {
  lib: ['lib'],
  tracker: ['tracker', 'lib'],
  registry: ['registry', 'tracker', 'lib'],
  client: ['client', 'lib'],
  agent: ['agent', 'client', 'lib'],
  cli: ['cli', 'agent', 'client', 'registry', 'tracker', 'lib'],
  web: ['web', 'lib'],
  testbed: [...PRODUCT, 'testbed'],
  bench: [...PRODUCT, 'testbed', 'bench'],
  test: [...PRODUCT, 'testbed', 'test'],
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

/** Repository-relative targets of a file's relative imports. */
function importTargets(file: string, source: string): string[] {
  return importSpecifiers(source)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => posix.normalize(posix.join(posix.dirname(file), spec)));
}

/** One line per import that breaks the rule, for a file at `file` (repository-relative, `/`). */
function violations(file: string, source: string): string[] {
  const layer = file.split('/')[0] as Layer;
  const allowed = ALLOWED[layer];
  if (!allowed) return [];
  const out: string[] = [];
  for (const target of importTargets(file, source)) {
    const top = target.split('/')[0]!;
    if (target.startsWith('../') || allowed.includes(top)) continue;
    const spec = importSpecifiers(source).find(
      (s) => posix.normalize(posix.join(posix.dirname(file), s)) === target,
    );
    out.push(`${file} imports '${spec}' (${layer}/ may not import ${top}/)`);
  }
  return out;
}

/**
 * The folder a file belongs to for the cycle check: its top folder and first sub-folder
 * (`client/p2p`); files directly in a top folder are left out (`client/errors.ts` is the
 * top folder's shared floor, which every sub-folder may use).
 */
function unitOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : undefined;
}

/** Import cycles between folders, each as `a → b → a`. */
function folderCycles(files: ReadonlyMap<string, string>): string[] {
  const edges = new Map<string, Set<string>>();
  const folderOf = (path: string): string | undefined => {
    const top = path.split('/')[0]!;
    if (TOOLING.includes(top)) return undefined;
    return unitOf(path) ?? top;
  };
  for (const [file, source] of files) {
    const from = folderOf(file);
    if (!from) continue;
    for (const target of importTargets(file, source)) {
      const to = folderOf(target);
      // A top folder's own root files are its floor, not a node of its sub-folder graph.
      if (!to || to === from || (!to.includes('/') && to === from.split('/')[0])) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sources(path));
    else if (/\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

function readAll(): Map<string, string> {
  const files = LAYERS.flatMap((layer) => sources(layer));
  return new Map(files.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));
}

describe('import direction', () => {
  it('holds for every source file of every top folder', () => {
    const files = readAll();
    for (const layer of LAYERS) {
      expect(
        [...files.keys()].some((f) => f.startsWith(`${layer}/`)),
        layer,
      ).toBe(true);
    }
    const found = [...files].flatMap(([file, source]) => violations(file, source));
    expect(found).toEqual([]);
  });

  it('covers every top folder that holds code', () => {
    const tops = readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .filter(
        (name) =>
          !['node_modules', 'dist', 'types', 'docs', 'scripts', 'bin', 'vendor'].includes(name),
      )
      .filter((name) => sources(name).length > 0);
    expect(tops.filter((t) => !LAYERS.includes(t as Layer))).toEqual([]);
  });

  it('has no cycles between folders', () => {
    expect(folderCycles(readAll())).toEqual([]);
  });

  it('finds a cycle between two sub-folders', () => {
    const files = new Map([
      ['client/p2p/a.ts', "import { b } from '../services/b.js';"],
      ['client/services/b.ts', "import { a } from '../p2p/a.js';"],
      ['client/services/c.ts', "import { e } from '../errors.js';"],
      ['client/errors.ts', "import { c } from './services/c.js';"],
    ]);
    expect(folderCycles(files)).toEqual(['client/services → client/p2p → client/services']);
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
    expect(violations('client/services/push.ts', "await import('../../cli/main.js');")).toEqual([
      "client/services/push.ts imports '../../cli/main.js' (client/ may not import cli/)",
    ]);
    expect(violations('agent/http.ts', "import '../registry/main.js';")).toHaveLength(1);
    expect(violations('client/p2p/x.ts', "import '../../agent/http.js';")).toHaveLength(1);
    expect(violations('tracker/x.ts', "import '../registry/main.js';")).toHaveLength(1);
    expect(violations('web/app.tsx', "import '../client/registry-client.js';")).toHaveLength(1);
    expect(violations('web/app.tsx', "import '../lib/api/index.js';")).toEqual([]);
  });

  it('lets the command line compose every process, and nothing import it', () => {
    expect(violations('cli/commands/registry.ts', "import '../../registry/main.js';")).toEqual([]);
    expect(violations('cli/commands/agent.ts', "import '../../agent/run-agent.js';")).toEqual([]);
    expect(violations('agent/run-agent.ts', "import '../cli/output/format.js';")).toHaveLength(1);
    expect(violations('registry/main.ts', "import '../cli/main.js';")).toHaveLength(1);
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
    expect(violations('cli/main.ts', "import '../testbed/images.js';")).toHaveLength(1);
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
