import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Prints where a V8 CPU profile (.cpuprofile, from `npm run bench -- --profile`) spent its
 * time: self time per function, and per package (node_modules/<pkg>, node internals, docket).
 *   node dist/bench/profile-summary.js FILE.cpuprofile [...]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function owner(url: string): string {
  if (url === '') return '(native/gc/idle)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return 'docket';
}

function summarize(file: string): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    busy += us;
    const key = `${functionName || '(anonymous)'} ${basename(url)}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const o = functionName === '(garbage collector)' ? 'gc' : owner(url);
    pkg.set(o, (pkg.get(o) ?? 0) + us);
  }
  const total = (p.endTime - p.startTime) / 1e6;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`);
  return [
    `${basename(file)}: ${total.toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s on CPU (JS thread)`,
    ' by package:',
    ...top(pkg, 8),
    ' by function (self time):',
    ...top(fn, 12),
  ].join('\n');
}

for (const file of process.argv.slice(2)) process.stdout.write(`${summarize(file)}\n\n`);
