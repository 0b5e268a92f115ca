import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../bench/config.js';
import { missingPrograms } from '../../../bench/preflight.js';

describe('bench config: the slow-link phase', () => {
  it('runs docket2015 and docket again at 25 Mbit/s unless told otherwise', () => {
    const cfg = readConfig([], {});
    if (cfg === 'help') throw new Error('help');
    expect(cfg.mbit).toBe(100);
    expect(cfg.slowMbit).toBe(25);
    expect(cfg.slowSystems).toEqual(['docket2015', 'docket']);
  });

  it('takes the rate and systems from flags over env variables, and 0 skips it', () => {
    const cfg = readConfig(['--slow-mbit', '10', '--slow-systems', 'docket'], {
      BENCH_SLOW_MBIT: '50',
      BENCH_SLOW_SYSTEMS: 'distribution',
    });
    if (cfg === 'help') throw new Error('help');
    expect(cfg.slowMbit).toBe(10);
    expect(cfg.slowSystems).toEqual(['docket']);
    const off = readConfig([], { BENCH_SLOW_MBIT: '0' });
    if (off === 'help') throw new Error('help');
    expect(off.slowMbit).toBe(0);
  });

  it('rejects an unknown system in the slow list, naming it', () => {
    expect(() => readConfig(['--slow-systems', 'docket,kraken'], {})).toThrow(
      /bad systems list "docket,kraken"/,
    );
  });
});

describe('bench preflight', () => {
  it('names the programs and Debian packages a system needs when they are not on PATH', () => {
    const message = missingPrograms(['docket', 'docket2015'], '/nonexistent');
    expect(message).toMatch(/missing ctorrent, opentracker/);
    expect(message).toMatch(/apt-get install -y ctorrent opentracker/);
    expect(missingPrograms(['docket'], '/nonexistent')).toBeUndefined();
  });
});
