import type { Logger } from 'pino';

interface Step {
  name: string;
  close(): unknown;
}

/**
 * What a starting registry has opened, in the order it opened it. `close` closes it in
 * the reverse order, one step at a time, so no part is closed while a part built on it
 * still runs. A step that fails is logged; one still running after `stepMs` is logged and
 * left behind, so shutdown always ends. `close` runs once: later calls get its promise.
 */
export class Shutdown {
  private readonly steps: Step[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly stepMs = 10_000,
  ) {}

  add(name: string, close: () => unknown): void {
    this.steps.push({ name, close });
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    for (const step of this.steps.toReversed()) await this.closeStep(step);
  }

  private async closeStep(step: Step): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((done) => {
      timer = setTimeout(() => done('late'), this.stepMs);
    });
    const closed = Promise.resolve()
      .then(() => step.close())
      .then(
        () => 'closed' as const,
        (err: unknown) => {
          this.logger.error({ err, step: step.name }, 'shutdown step failed');
          return 'failed' as const;
        },
      );
    const outcome = await Promise.race([closed, late]);
    clearTimeout(timer);
    if (outcome === 'closed') this.logger.debug({ step: step.name }, 'closed');
    if (outcome === 'late')
      this.logger.warn(
        { step: step.name, ms: this.stepMs },
        'shutdown step still running: going on',
      );
  }
}
