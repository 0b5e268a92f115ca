import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferred } from '../../../lib/deferred.js';
import { PeriodicJob } from '../../../registry/background.js';

describe('PeriodicJob', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the task every interval from start, and hands failures to onError', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const job = new PeriodicJob(
      1000,
      async () => {
        runs++;
        if (runs === 2) throw new Error('second run fails');
      },
      (err) => errors.push(err),
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(0);
    job.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(3);
    expect(errors).toHaveLength(1);
    await job.stop();
  });

  it('stop waits for the run in progress, and no run starts after it', async () => {
    const running = deferred<void>();
    let runs = 0;
    const job = new PeriodicJob(
      1000,
      () => {
        runs++;
        return running.promise;
      },
      () => {},
    );
    job.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    running.resolve();
    await stopping;
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(1);
  });
});
