import { readFileSync } from 'node:fs';
import { categorize } from '../testbed/perf-report.js';

/**
 * Prints a `perf report --sort dso,sym --stdio` listing sorted into what the CPU did (the
 * kernel, V8's garbage collector, its optimizing compiler, the interpreter and builtins,
 * compiled JavaScript, copies, hashing, malloc: testbed/perf-report.ts). V8's own CPU
 * profiles cannot say this on a busy machine: a sample taken while the process waits for
 * a core lands on whatever ran last (often a syscall), and the kernel's share is not in
 * them at all.
 *
 *   NODE_OPTIONS=--perf-basic-prof perf record -a -F 499 -o perf.data -- sleep 20
 *   perf report -i perf.data --comm node --sort dso,sym --stdio | node dist/bench/perf-categories.js
 */
const report = readFileSync(process.argv[2] ?? 0, 'utf8');
for (const { name, percent } of categorize(report))
  process.stdout.write(`${percent.toFixed(1).padStart(6)}%  ${name}\n`);
