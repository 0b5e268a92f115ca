/**
 * Sorts a `perf report --sort dso,sym --stdio` listing into what the CPU did: the kernel,
 * V8's garbage collector, its optimizing compiler, the interpreter and builtins, compiled
 * JavaScript, copies, hashing, malloc (bench/perf-categories.ts prints it).
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
