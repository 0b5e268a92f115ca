/**
 * A task a service runs every `everyMs` from `start` until `stop`. The timer does not keep
 * the process alive. A run that fails goes to `onError`. `stop` clears the timer and waits
 * for the runs in progress, so what the task uses (database, store) may be closed next.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly everyMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.runOnce(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.running);
  }

  private runOnce(): void {
    const run = this.task()
      .catch(this.onError)
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
