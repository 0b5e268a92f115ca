import type { Writable } from 'node:stream';
import type { PullEvent } from '../services/pull.js';
import { humanSize, rate, shortDigest } from './format.js';

type LayerEvent = Extract<PullEvent, { kind: 'layer' }>;

/**
 * Renders pull progress. On a TTY: one line per layer, redrawn in place (ANSI
 * cursor-up), at most every 100 ms. Otherwise: one plain line per layer state change.
 */
export class PullProgress {
  private readonly layers = new Map<number, LayerEvent>();
  private readonly started = new Map<number, number>();
  private drawn = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
  ) {}

  readonly onEvent = (event: PullEvent): void => {
    if (event.kind !== 'layer') {
      this.flush();
      this.out.write(
        event.kind === 'loading'
          ? `loading into the Docker engine (${event.omitLayers} bottom layers already present)\n`
          : `loaded ${shortDigest(event.imageId)}\n`,
      );
      this.drawn = 0;
      return;
    }
    const previous = this.layers.get(event.index);
    if (!this.started.has(event.index)) this.started.set(event.index, performance.now());
    this.layers.set(event.index, event);
    if (this.tty) {
      const now = performance.now();
      if (event.state === 'downloading' && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.redraw();
    } else if (previous?.state !== event.state) {
      this.out.write(`${this.describe(event)}\n`);
    }
  };

  /** Draws the final state of every layer (TTY only). */
  flush(): void {
    if (this.tty && this.layers.size > 0) this.redraw();
  }

  private redraw(): void {
    const lines = [...this.layers.keys()]
      .sort((a, b) => a - b)
      .map((i) => this.describe(this.layers.get(i) as LayerEvent));
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    this.drawn = lines.length;
  }

  private describe(e: LayerEvent): string {
    const head = `${shortDigest(e.digest)} ${humanSize(e.size).padStart(7)}`;
    switch (e.state) {
      case 'present':
        return `${head}  already in the engine`;
      case 'cached':
        return `${head}  from cache`;
      case 'done':
        return `${head}  done (peers ${humanSize(e.stats.fromPeers)}, registry ${humanSize(
          e.stats.fromRegistrySeed + e.stats.fromWebSeed,
        )})`;
      case 'downloading': {
        const secs = (performance.now() - (this.started.get(e.index) ?? 0)) / 1000;
        return `${head}  ${humanSize(e.downloaded)}/${humanSize(e.size)} ${rate(
          e.downloaded,
          secs,
        )} ${e.peers} peers (peers ${humanSize(e.stats.fromPeers)}, registry ${humanSize(
          e.stats.fromRegistrySeed + e.stats.fromWebSeed,
        )})`;
      }
    }
  }
}
