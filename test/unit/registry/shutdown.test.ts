import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { deferred } from '../../../lib/deferred.js';
import { Shutdown } from '../../../registry/shutdown.js';

function capture() {
  const lines: { msg: string; step?: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

describe('Shutdown', () => {
  it('closes the steps in the reverse order they were added, each after the one before', async () => {
    const { logger } = capture();
    const shutdown = new Shutdown(logger);
    const order: string[] = [];
    const gate = deferred<void>();
    shutdown.add('database', () => order.push('database'));
    shutdown.add('seeder', async () => {
      await gate.promise;
      order.push('seeder');
    });
    shutdown.add('http server', () => order.push('http server'));
    const closing = shutdown.close();
    await new Promise((done) => setImmediate(done));
    expect(order).toEqual(['http server']);
    gate.resolve();
    await closing;
    expect(order).toEqual(['http server', 'seeder', 'database']);
  });

  it('logs a step that fails and goes on with the next', async () => {
    const { logger, lines } = capture();
    const shutdown = new Shutdown(logger);
    const closed: string[] = [];
    shutdown.add('database', () => closed.push('database'));
    shutdown.add('tracker', () => Promise.reject(new Error('boom')));
    await shutdown.close();
    expect(closed).toEqual(['database']);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'shutdown step failed', step: 'tracker' }),
    );
  });

  it('leaves a step behind once it runs longer than the bound', async () => {
    const { logger, lines } = capture();
    const shutdown = new Shutdown(logger, 20);
    const closed: string[] = [];
    shutdown.add('database', () => closed.push('database'));
    shutdown.add('seeder', () => new Promise(() => {}));
    await shutdown.close();
    expect(closed).toEqual(['database']);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'shutdown step still running: going on', step: 'seeder' }),
    );
  });

  it('runs once: a second close gets the first one', async () => {
    const { logger } = capture();
    const shutdown = new Shutdown(logger);
    let closes = 0;
    shutdown.add('database', () => closes++);
    const first = shutdown.close();
    expect(shutdown.close()).toBe(first);
    await first;
    await shutdown.close();
    expect(closes).toBe(1);
  });
});
