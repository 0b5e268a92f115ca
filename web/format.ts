/** How the page writes sizes, times and digests; pure, so it is unit-tested. */
import { sizeParts } from '../lib/format.js';

/**
 * Decimal units, like `docket images` (1 kB = 1000 B; lib/format.ts scales both), but
 * spaced and with trailing zeros kept (`1.50 MB`), and a dash for no valid size.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  const [value, unit] = sizeParts(n);
  return `${value} ${unit}`;
}

/** `sha256:0123456789ab` (12 hex characters), as `docker images` abbreviates IDs. */
export function shortDigest(digest: string): string {
  const [algo, hex] = digest.split(':');
  return hex ? `${algo}:${hex.slice(0, 12)}` : digest.slice(0, 12);
}

/** `14:03:46`: a time of day, local, to the second (a chart's time axis; `t` in seconds). */
export function clockTime(t: number): string {
  if (!Number.isFinite(t)) return '–';
  const d = new Date(Math.round(t) * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** `3d 4h`, `5m 2s`: the two largest units. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor((seconds % 86400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [Math.floor(seconds % 60), 's'],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([v]) => v > 0)
    .map(([v, u]) => `${v}${u}`)
    .join(' ');
}

/** `5 minutes ago`; the ISO time itself when it does not parse. */
export function formatAgo(iso: string | null, now: number): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  const steps: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const n = Math.floor(s / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return s < 10 ? 'just now' : `${s} seconds ago`;
}

/** `42%`, from a 0..1 fraction. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–';
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}
