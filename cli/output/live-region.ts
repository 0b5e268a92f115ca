import type { Writable } from 'node:stream';

/**
 * The last lines of a terminal, redrawn in place (ANSI cursor up + erase line) like
 * docker's progress bars: the region is drawn once on the final screen.
 */
export class LiveRegion {
  private drawn = 0;

  constructor(private readonly out: Writable) {}

  /** Replaces the region with `lines`. */
  update(lines: string[]): void {
    this.out.write(`${this.erase()}${lines.map((l) => `${l}\n`).join('')}`);
    this.drawn = lines.length;
  }

  private erase(): string {
    if (this.drawn === 0) return '';
    // Up to the region's first line, then erase from there to the end of the screen.
    return `\u001b[${this.drawn}A\r\u001b[J`;
  }
}
