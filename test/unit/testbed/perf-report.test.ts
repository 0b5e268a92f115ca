import { describe, expect, it } from 'vitest';
import { categorize } from '../../../testbed/perf-report.js';

const REPORT = `# Samples: 17K of event 'cpu-clock:ppp'
#
# Overhead  Shared Object      Symbol
# ........  .................  ......
#
    13.73%  [kernel.kallsyms]    [k] pvm_irq_enable
     6.74%  [kernel.kallsyms]    [k] copy_folio_from_iter_atomic
     2.68%  node                 [.] v8::internal::ConcurrentMarking::RunMajor
     1.19%  node                 [.] v8::internal::compiler::GraphReducer::ReduceTop
     1.30%  node                 [.] Builtins_LoadIC
     0.88%  [JIT] tid 16389      [.] JS:*trySelectWire file:///x/torrent.js:1737:28
     5.56%  libc.so.6            [.] __memmove_avx512_unaligned_erms
     1.70%  node                 [.] sha1_block_data_order_shaext
     0.73%  libc.so.6            [.] _int_malloc
     0.40%  node                 [.] node::LibuvStreamWrap::OnUvRead
`;

describe('perf-categories: what a perf report says the CPU did', () => {
  it('sums each sample line into its category, largest first', () => {
    const got = categorize(REPORT);
    const by = Object.fromEntries(got.map((c) => [c.name, Number(c.percent.toFixed(2))]));
    expect(by).toEqual({
      kernel: 20.47,
      memcpy: 5.56,
      gc: 2.68,
      hashing: 1.7,
      'interpreter and builtins': 1.3,
      'optimizing compiler': 1.19,
      'jit (compiled JavaScript)': 0.88,
      malloc: 0.73,
      'other (node, V8, libc)': 0.4,
    });
    expect(got[0]?.name).toBe('kernel');
    expect(got.map((c) => c.percent)).toEqual([...got.map((c) => c.percent)].sort((a, b) => b - a));
  });

  it('skips headers and blank lines', () => {
    expect(categorize('# Overhead  Symbol\n\n#\n')).toEqual([]);
  });
});
