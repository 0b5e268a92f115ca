/**
 * Keeps garbage collection apart from the writes that could name what it sweeps: blob
 * commits (a blob file renamed into place, then recorded) and manifest puts (refs checked,
 * diff_ids read, then recorded) run `shared`, any number at once; a sweep runs
 * `exclusive`, alone. A waiting sweep holds back new writes, so a steady stream of pushes
 * cannot starve it; the writes it holds back wait only for the sweep itself. A `shared`
 * call must not wait on another `shared` call: with a sweep queued in between, neither
 * would ever run.
 */
export class SweepGate {
  private writers = 0;
  private sweeping = false;
  private readonly waitingSweeps: (() => void)[] = [];
  private readonly waitingWriters: (() => void)[] = [];

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.sweeping || this.waitingSweeps.length > 0)
      await new Promise<void>((go) => this.waitingWriters.push(go));
    this.writers++;
    try {
      return await fn();
    } finally {
      this.writers--;
      this.wake();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // A woken sweep finds `sweeping` already set by wake(): no writer can slip in between.
    if (this.sweeping || this.writers > 0)
      await new Promise<void>((go) => this.waitingSweeps.push(go));
    else this.sweeping = true;
    try {
      return await fn();
    } finally {
      this.sweeping = false;
      this.wake();
    }
  }

  private wake(): void {
    if (this.sweeping || this.writers > 0) return;
    const sweep = this.waitingSweeps.shift();
    if (sweep) {
      this.sweeping = true;
      sweep();
      return;
    }
    for (const go of this.waitingWriters.splice(0)) go();
  }
}
