import { describe, expect, it } from 'vitest';
import {
  helpLine,
  InvalidValueError,
  key,
  parseRate,
  valuesFromEnv,
  valuesFromFile,
} from '../../../lib/config-keys.js';
import { formatRate, MIN_RATE, rateIn } from '../../../lib/rate.js';

describe('rateIn', () => {
  it.each([
    ['50M', 50_000_000],
    ['500K', 500_000],
    ['1G', 1_000_000_000],
    ['12.5M', 12_500_000],
    ['20m', 20_000_000],
    [' 2M ', 2_000_000],
    ['64Ki', 65_536],
    ['1Mi', 1_048_576],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['1000', 1000],
    ['0', 0],
    ['0M', 0],
  ])('%s is %d bytes per second (K, M, G: powers of 1000)', (text, rate) => {
    expect(rateIn(text)).toBe(rate);
  });

  it.each([
    ['', 'empty'],
    ['fast', 'not a number'],
    ['-5M', 'negative'],
    ['50MB', 'a B suffix (bytes or bits?)'],
    ['50Mb', 'bits'],
    ['5T', 'an unknown unit'],
    ['50', 'below MIN_RATE: 50 bytes per second is a typo for 50M'],
    ['0.5K', 'below MIN_RATE'],
    ['1e6', 'exponent notation'],
  ])('refuses %j (%s)', (text) => {
    expect(rateIn(text)).toBeUndefined();
  });

  it('allows MIN_RATE', () => {
    expect(rateIn('1K')).toBe(MIN_RATE);
  });

  it('formats the shortest exact text rateIn reads back', () => {
    for (const rate of [0, 1000, 20_000_000, 12_500_000, 1_000_000_000, 65_536, 1234]) {
      expect(rateIn(formatRate(rate))).toBe(rate);
    }
    expect(formatRate(20_000_000)).toBe('20M');
    expect(formatRate(0)).toBe('0');
  });
});

describe('parseRate and key.rate', () => {
  const k = key.rate({
    flag: '--max-download-rate',
    env: 'DOCKET_MAX_DOWNLOAD_RATE',
    description: 'cap downloads',
    default: 0,
  });

  it('names the flag, the variable or the file key in its error', () => {
    expect(() => parseRate('50MB', '--max-download-rate')).toThrow(InvalidValueError);
    expect(() => parseRate('50MB', '--max-download-rate')).toThrow(
      '--max-download-rate must be bytes per second like 50M or 500K (K, M, G: powers of 1000; Ki, Mi, Gi: of 1024), at least 1K, or 0 for no cap, not "50MB"',
    );
    expect(() => valuesFromEnv({ rate: k }, { DOCKET_MAX_DOWNLOAD_RATE: 'lots' })).toThrow(
      'DOCKET_MAX_DOWNLOAD_RATE must be bytes per second',
    );
    expect(() => valuesFromFile({ rate: k }, { rate: 10 }, 'config file /x.json')).toThrow(
      'config file /x.json: rate must be bytes per second',
    );
  });

  it('reads the same text from every source', () => {
    expect(valuesFromEnv({ rate: k }, { DOCKET_MAX_DOWNLOAD_RATE: '20M' })).toEqual({
      rate: 20_000_000,
    });
    expect(valuesFromFile({ rate: k }, { rate: '12.5M' }, 'f')).toEqual({ rate: 12_500_000 });
    expect(valuesFromFile({ rate: k }, { rate: 2000 }, 'f')).toEqual({ rate: 2000 });
  });

  it('says in its help line that K, M, G are powers of 1000 and 0 is no cap', () => {
    expect(helpLine(k)).toBe(
      'cap downloads (default 0; bytes per second: 50M, 500K, 1G; K, M, G are powers of 1000; 0: no cap; $DOCKET_MAX_DOWNLOAD_RATE)',
    );
  });
});
