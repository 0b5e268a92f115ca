/** Sizes and counts as people read them; the CLI, the client library and the page share these. */

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** `bytes` in decimal units, to 3 significant digits, trailing zeros kept: `['1.50', 'MB']`. */
export function sizeParts(bytes: number): [value: string, unit: string] {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return [value.toFixed(digits), SIZE_UNITS[unit] as string];
}

/** `docker images`-style sizes: decimal units, 3 significant digits (1.23MB, 456kB, 1.5MB). */
export function humanSize(bytes: number): string {
  const [value, unit] = sizeParts(bytes);
  return `${Number(value)}${unit}`;
}

/** `1 layer`, `2 layers`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
