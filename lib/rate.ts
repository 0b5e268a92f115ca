/**
 * Transfer rates in bytes per second, as `--max-download-rate` and `--max-upload-rate`
 * take them: `50M`, `500K`, `1G`, `12.5M`. K, M and G are powers of 1000, as in the
 * sizes `docket pull` prints (`humanSize`); Ki, Mi and Gi are powers of 1024. A bare
 * number is bytes per second. 0 means no cap.
 */

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
};

/** The smallest cap: below it a number was most likely meant in K or M. */
export const MIN_RATE = 1000;

/**
 * `50M` → 50000000, `64Ki` → 65536, `0` → 0; undefined for any other text, for a
 * negative rate and for a cap below MIN_RATE (`50`: 50 bytes per second is a typo).
 */
export function rateIn(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmg]i?)?$/i.exec(text.trim());
  if (!m) return undefined;
  const rate = Math.round(Number(m[1]) * (MULTIPLIERS[(m[2] ?? '').toLowerCase()] as number));
  if (!Number.isSafeInteger(rate) || (rate !== 0 && rate < MIN_RATE)) return undefined;
  return rate;
}

/** The shortest exact text of a rate in the units `rateIn` reads: 20000000 → `20M`, 0 → `0`. */
export function formatRate(bytesPerSecond: number): string {
  for (const [suffix, unit] of [
    ['G', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const)
    if (bytesPerSecond !== 0 && bytesPerSecond % unit === 0)
      return `${bytesPerSecond / unit}${suffix}`;
  return String(bytesPerSecond);
}
