import { Writable } from 'node:stream';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import { describe, expect, it } from 'vitest';
import { prettyLogOptions } from '../../../../cli/output/log-format.js';

function logTo(): { lines: () => string[]; logger: pino.Logger } {
  let text = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const logger = pino({ level: 'info' }, pretty({ ...prettyLogOptions(false), destination }));
  return { lines: () => text.split('\n').filter(Boolean), logger };
}

describe("the registry's terminal log", () => {
  it('one line per request, its fields in the message', () => {
    const { lines, logger } = logTo();
    logger.info(
      { method: 'GET', path: '/v2/app/manifests/v1', status: 200, ms: 3.2, bytes: 1_500 },
      'request',
    );
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: request GET \/v2\/app\/manifests\/v1 200 3\.2ms 1\.5kB$/,
    );
  });

  it('other fields follow on the same line', () => {
    const { lines, logger } = logTo();
    logger.info({ deadlineMs: 15000 }, 'shutting down');
    expect(lines()).toEqual([expect.stringMatching(/INFO: shutting down \{"deadlineMs":15000\}$/)]);
  });
});
