import { describe, expect, it } from 'vitest';
import { warningLogger } from '../../../client/warning-logger.js';

function collect(): { lines: string[]; logger: ReturnType<typeof warningLogger> } {
  const lines: string[] = [];
  return { lines, logger: warningLogger((line) => lines.push(line)) };
}

describe('warningLogger', () => {
  it('reports warnings and errors as "message (reason)", below warn nothing', () => {
    const { lines, logger } = collect();
    logger.debug({ digest: 'sha256:a' }, 'torrent warning');
    logger.info('listening');
    logger.warn({ digest: 'sha256:a', reason: 'peers stalled' }, 'falling back to the web seed');
    logger.error({ err: new Error('EADDRINUSE') }, 'torrent client error');
    logger.warn('no reason given');
    expect(lines).toEqual([
      'falling back to the web seed (peers stalled)',
      'torrent client error (EADDRINUSE)',
      'no reason given',
    ]);
  });

  it('reports each distinct line once', () => {
    const { lines, logger } = collect();
    for (const digest of ['sha256:a', 'sha256:b']) {
      logger.warn({ digest, reason: 'tracker unreachable' }, 'falling back to the web seed');
    }
    logger.warn({ reason: 'peers stalled' }, 'falling back to the web seed');
    expect(lines).toEqual([
      'falling back to the web seed (tracker unreachable)',
      'falling back to the web seed (peers stalled)',
    ]);
  });

  it('takes an Error logged alone, and reasons bound on a child logger', () => {
    const { lines, logger } = collect();
    logger.warn(new Error('disk full'));
    logger.child({ reason: 'bound' }).warn('from a child');
    logger.warn({ err: new Error('why') }, 'formatted %s', 'text');
    logger.warn({ err: new Error('why'), reason: 'stated' }, 'both');
    logger.warn({});
    expect(lines).toEqual([
      'disk full (disk full)',
      'from a child (bound)',
      'formatted text (why)',
      'both (stated)',
      'warning',
    ]);
  });
});
