import type { Writable } from 'node:stream';
import { LiveRegion } from './live-region.js';
import { type LayerView, layerLine, totalLine } from './progress-lines.js';

export type LayerUpdate = Omit<LayerView, 'seconds'>;

export interface LayerProgressOptions {
  /** Redraw in place (a terminal) or print plain lines (a pipe, a log file). */
  tty: boolean;
  /** Least time between two redraws on a terminal. */
  redrawMs?: number;
  /** Without a terminal: a layer still in the same state is printed again this often. */
  plainIntervalMs?: number;
  now?: () => number;
}

/**
 * Per-layer progress of a push or a pull. On a terminal: a table of one line per layer
 * and a total line under it (bytes of all layers, layers done), redrawn in place at most
 * every `redrawMs` (at once when a layer changes state), with status lines ("loading",
 * "manifest: …") under the table in the order they came. Otherwise: a line when a layer
 * changes state and one every `plainIntervalMs` while it stays in a state with bytes
 * moving, and status lines as they come.
 */
export class LayerProgress {
  private readonly layers = new Map<
    number,
    { view: LayerUpdate; since: number; printed: number }
  >();
  private readonly region: LiveRegion;
  private readonly redrawMs: number;
  private readonly plainIntervalMs: number;
  private readonly now: () => number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private readonly statuses: string[] = [];

  constructor(
    private readonly out: Writable,
    private readonly opts: LayerProgressOptions,
  ) {
    this.region = new LiveRegion(out);
    this.redrawMs = opts.redrawMs ?? 100;
    this.plainIntervalMs = opts.plainIntervalMs ?? 5_000;
    this.now = opts.now ?? (() => performance.now());
  }

  set(index: number, view: LayerUpdate): void {
    const now = this.now();
    const previous = this.layers.get(index);
    const changed = previous?.view.state !== view.state;
    const since = changed ? now : (previous?.since ?? now);
    const entry = { view, since, printed: previous?.printed ?? Number.NEGATIVE_INFINITY };
    this.layers.set(index, entry);
    if (this.opts.tty) {
      if (!changed && now - this.lastDraw < this.redrawMs) return;
      this.lastDraw = now;
      this.region.update(this.lines(now));
    } else if (changed || now - entry.printed >= this.plainIntervalMs) {
      entry.printed = now;
      this.out.write(`${this.line(entry, now)}\n`);
    }
  }

  /** A line that is not about one layer ("loading into the engine"), under the table. */
  status(line: string): void {
    if (!this.opts.tty) {
      this.out.write(`${line}\n`);
      return;
    }
    this.statuses.push(line);
    this.lastDraw = this.now();
    this.region.update(this.lines(this.lastDraw));
  }

  /** Draws the final state of every layer (a terminal only: plain output is complete). */
  finish(): void {
    if (this.opts.tty && this.layers.size + this.statuses.length > 0)
      this.region.update(this.lines(this.now()));
  }

  private lines(now: number): string[] {
    const entries = [...this.layers.keys()]
      .sort((a, b) => a - b)
      .map((i) => this.layers.get(i) as { view: LayerUpdate; since: number });
    const total = entries.length > 1 ? [totalLine(entries.map((e) => e.view))] : [];
    return [...entries.map((e) => this.line(e, now)), ...total, ...this.statuses];
  }

  private line(entry: { view: LayerUpdate; since: number }, now: number): string {
    return layerLine({ ...entry.view, seconds: (now - entry.since) / 1000 });
  }
}
