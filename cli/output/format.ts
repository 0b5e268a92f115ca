/** `docker images`-style age: "5 seconds ago", "About a minute ago", "3 days ago". */
export function relativeTime(then: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (Number.isNaN(s)) return 'N/A';
  if (s < 1) return 'Less than a second ago';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'} ago`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute ago';
  if (m < 60) return `${m} minutes ago`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour ago';
  if (h < 48) return `${h} hours ago`;
  const d = Math.round(s / 86400);
  if (d < 14) return `${d} days ago`;
  if (d < 60) return `${Math.round(d / 7)} weeks ago`;
  if (d < 730) return `${Math.round(d / 30)} months ago`;
  return `${Math.round(d / 365)} years ago`;
}

/**
 * Left-aligned columns separated by at least three spaces, like the docker CLI. Each
 * column is as wide as its longest cell, but no wider than its `maxWidths` entry: a
 * longer cell is cut with an ellipsis, so one long name does not push every row out.
 */
export function table(
  header: string[],
  rows: string[][],
  maxWidths: (number | undefined)[] = [],
): string {
  const fitted = rows.map((r) => r.map((c, i) => ellipsis(c, maxWidths[i])));
  const widths = header.map((h, i) =>
    Math.max(h.length, ...fitted.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return `${[header, ...fitted].map(line).join('\n')}\n`;
}

/** `text` cut to `max` characters, its last one an ellipsis when cut. */
export function ellipsis(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** `sha256:abcdef…` → the first 12 hex digits, as `docker images` shows IDs. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * A size in binary units, for what is set in binary units (`--cache-size 10G` is
 * 10 GiB): `10GiB`, `1.5GiB`, `512MiB`, to 3 significant digits.
 */
export function binarySize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))}${BINARY_UNITS[unit]}`;
}
