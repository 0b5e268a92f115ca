import { readFileSync } from 'node:fs';

/**
 * Sorts a `perf report --sort dso,sym --stdio` listing into what the CPU did: the kernel,
 * V8's garbage collector, its optimizing compiler, the interpreter and builtins, compiled
 * JavaScript, copies, hashing, malloc. V8's own CPU profiles cannot say this on a busy
 * machine: a sample taken while the process waits for a core lands on whatever ran last
 * (often a syscall), and the kernel's share is not in them at all.
 *
 *   NODE_OPTIONS=--perf-basic-prof perf record -a -F 499 -o perf.data -- sleep 20
 *   perf report -i perf.data --comm node --sort dso,sym --stdio | node dist/bench/perf-categories.js
 */

/** First match wins: the order matters (a Builtins_ symbol of the GC is GC work). */
const CATEGORIES: Array<[string, RegExp]> = [
  ['kernel', /\[kernel\.kallsyms\]|\[k\]/],
  ['jit (compiled JavaScript)', /\[JIT\]|perf-\d+\.map/],
  [
    'gc',
    /Marking|Sweep|Scaveng|MarkCompact|Heap::|Evacuat|MemoryChunk|Remembered|SlotSet|Worklist|IteratePointers|SizeFromMap|heap::/,
  ],
  [
    'optimizing compiler',
    /compiler::|Turbofan|TurboFan|Maglev|maglev::|Zone|RegisterAllocat|LiveRange|InstructionSelector/,
  ],
  ['parser and bytecode', /Parser|Scanner|Bytecode|Deserializ|CalculateLineEnds|AstNode/],
  ['interpreter and builtins', /Builtins_/],
  ['memcpy', /memmove|memcpy/],
  ['memset', /memset/],
  ['hashing', /sha1_|sha256_|SHA1|SHA256/],
  ['malloc', /malloc|_int_free|cfree|sysmalloc/],
];

export interface Category {
  name: string;
  percent: number;
}

/** Percent of samples per category, largest first; lines that are not samples are skipped. */
export function categorize(report: string): Category[] {
  const totals = new Map<string, number>();
  for (const line of report.split('\n')) {
    const m = /^\s*([\d.]+)%\s+(.*)$/.exec(line);
    if (!m) continue;
    const percent = Number(m[1]);
    const rest = m[2] ?? '';
    const name = CATEGORIES.find(([, re]) => re.test(rest))?.[0] ?? 'other (node, V8, libc)';
    totals.set(name, (totals.get(name) ?? 0) + percent);
  }
  return [...totals]
    .map(([name, percent]) => ({ name, percent }))
    .sort((a, b) => b.percent - a.percent);
}

function main(): void {
  const file = process.argv[2];
  const report = readFileSync(file ?? 0, 'utf8');
  for (const { name, percent } of categorize(report))
    process.stdout.write(`${percent.toFixed(1).padStart(6)}%  ${name}\n`);
}

if (process.argv[1]?.endsWith('perf-categories.js')) main();
