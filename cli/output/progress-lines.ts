import { humanSize, plural } from '../../lib/format.js';
import { shortDigest } from './format.js';

/**
 * One progress line per layer, from the layer's state alone (pure: the renderers of
 * pull-progress.ts and push-progress.ts decide when to draw).
 */
export interface LayerView {
  /** The layer's digest (pull) or diffId (push). */
  digest: string;
  size: number;
  state:
    | 'waiting'
    | 'present'
    | 'cached'
    | 'downloading'
    | 'done'
    | 'compressing'
    | 'uploading'
    | 'uploaded'
    | 'known';
  /** Bytes through so far in the current state (downloaded, compressed, uploaded). */
  bytes: number;
  /** Seconds spent in the current state. */
  seconds: number;
  peers?: number;
  /** Bytes by source, the words of the pull summary: peers, the registry's seed, direct download (HTTP). */
  sources?: { peers: number; registrySeed: number; direct: number };
}

export function layerLine(v: LayerView): string {
  const head = `${shortDigest(v.digest)} ${humanSize(v.size).padStart(7)}  `;
  const sources = sourcesText(v.sources);
  switch (v.state) {
    case 'waiting':
      return `${head}waiting`;
    case 'present':
      return `${head}already in the engine`;
    case 'cached':
      return `${head}from cache`;
    case 'known':
      return `${head}already in the registry`;
    case 'done':
      return `${head}done${sources}`;
    case 'uploaded':
      return `${head}uploaded`;
    case 'downloading':
      return `${head}${transfer(v)} ${plural(v.peers ?? 0, 'peer')}${sources}`;
    case 'compressing':
      return `${head}compressing ${transfer(v)}`;
    case 'uploading':
      return `${head}uploading ${transfer(v)}`;
  }
}

/** ` (peers 6MB, registry seed 1MB, direct 4MB)`: the sources that sent bytes. */
function sourcesText(sources: LayerView['sources']): string {
  if (!sources) return '';
  const parts = [
    ['peers', sources.peers],
    ['registry seed', sources.registrySeed],
    ['direct', sources.direct],
  ] as const;
  const sent = parts
    .filter(([, bytes]) => bytes > 0)
    .map(([w, bytes]) => `${w} ${humanSize(bytes)}`);
  return sent.length > 0 ? ` (${sent.join(', ')})` : '';
}

/**
 * The line under the table: every layer's bytes, as docker's overall progress.
 * `total           40MB  12MB/40MB, 2 of 5 layers done`.
 */
export function totalLine(layers: readonly Pick<LayerView, 'size' | 'bytes' | 'state'>[]): string {
  let size = 0;
  let done = 0;
  let finished = 0;
  for (const layer of layers) {
    size += layer.size;
    if (FINAL_STATES.has(layer.state)) {
      done += layer.size;
      finished++;
    } else if (layer.state !== 'waiting') done += Math.min(layer.bytes, layer.size);
  }
  const head = `${'total'.padEnd(12)} ${humanSize(size).padStart(7)}  `;
  return `${head}${humanSize(done)}/${humanSize(size)}, ${finished} of ${plural(layers.length, 'layer')} done`;
}

/** States a layer does not leave. */
export const FINAL_STATES: ReadonlySet<LayerView['state']> = new Set([
  'present',
  'cached',
  'done',
  'uploaded',
  'known',
]);

/** `12.3MB/40MB 5.1MB/s ETA 6s`. */
function transfer(v: LayerView): string {
  const speed = v.seconds > 0 ? v.bytes / v.seconds : 0;
  const parts = [`${humanSize(v.bytes)}/${humanSize(v.size)}`];
  if (speed > 0) {
    parts.push(`${humanSize(speed)}/s`);
    const left = v.size - v.bytes;
    if (left > 0) parts.push(`ETA ${duration(left / speed)}`);
  }
  return parts.join(' ');
}

/** `45s`, `3m05s`, `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
