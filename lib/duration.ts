/** A unit a duration setting is kept in, and what a bare number means for it. */
export type DurationUnit = 'ms' | 's';

type Suffix = DurationUnit | 'm' | 'h' | 'd';

const MS_PER: Record<Suffix, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const UNIT_NAMES: Record<DurationUnit, string> = { ms: 'milliseconds', s: 'seconds' };

/** `milliseconds` or `seconds`: what a bare number of `unit` is called in help and errors. */
export function unitName(unit: DurationUnit): string {
  return UNIT_NAMES[unit];
}

/**
 * `30s`, `5m`, `2h`, `1d`, `250ms`, or a bare number of `unit`, as a number of `unit`
 * (to a microsecond). Undefined for any other text, negative numbers included.
 */
export function durationIn(text: string, unit: DurationUnit): number | undefined {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)?$/i.exec(text.trim());
  if (!m) return undefined;
  const suffix = (m[2]?.toLowerCase() ?? unit) as Suffix;
  const amount = (Number(m[1]) * MS_PER[suffix]) / MS_PER[unit];
  return Math.round(amount * 1e6) / 1e6;
}

/** The shortest exact text of `amount` `unit`s with a suffix: 300 s → `5m`, 1500 ms → `1500ms`. */
export function formatDuration(amount: number, unit: DurationUnit): string {
  const ms = amount * MS_PER[unit];
  for (const suffix of ['d', 'h', 'm', 's'] as const)
    if (ms !== 0 && ms % MS_PER[suffix] === 0) return `${ms / MS_PER[suffix]}${suffix}`;
  return `${amount}${unit}`;
}
