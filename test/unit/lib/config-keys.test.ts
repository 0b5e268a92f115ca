import { describe, expect, it } from 'vitest';
import {
  defaultsOf,
  envVarList,
  helpLine,
  InvalidValueError,
  type KeyTable,
  key,
  parseBoolean,
  parseInteger,
  parseList,
  parsePort,
  parseSeconds,
  parseSize,
  valuesFromEnv,
} from '../../../lib/config-keys.js';

describe('value parsers', () => {
  it('parse good input', () => {
    expect(parseInteger('42', '--n')).toBe(42);
    expect(parsePort('0', '--port')).toBe(0);
    expect(parsePort('65535', '--port')).toBe(65535);
    expect(parseSeconds('0.5', '--rescan')).toBe(0.5);
    expect(parseSeconds('0', '--seed-time', { allowZero: true })).toBe(0);
    expect(parseBoolean('Yes', 'X')).toBe(true);
    expect(parseBoolean('off', 'X')).toBe(false);
    expect(parseSize('10G', '--cache-size')).toBe(10 * 1024 ** 3);
    expect(parseSize('1.5k', '--cache-size')).toBe(1536);
    expect(parseSize('1024', '--cache-size')).toBe(1024);
    expect(parseList(' a, ,b ')).toEqual(['a', 'b']);
  });

  it.each([
    [() => parsePort('abc', '--port'), '--port must be a port number (0-65535), not "abc"'],
    [() => parsePort('70000', '--torrent-port'), '--torrent-port must be a port number'],
    [() => parsePort('-1', '--udp-port'), '--udp-port must be a port number'],
    [() => parsePort('1.5', '--port'), '--port must be a port number'],
    [() => parsePort('', '--port'), '--port must be a port number'],
    [
      () => parseInteger('x', 'DOCKET_MAX_UPLOAD_BYTES'),
      'DOCKET_MAX_UPLOAD_BYTES must be an integer',
    ],
    [() => parseInteger('0', '--n', { min: 1 }), '--n must be an integer >= 1, not "0"'],
    [() => parseSeconds('0', '--rescan'), '--rescan must be seconds > 0, not "0"'],
    [
      () => parseSeconds('-1', '--seed-time', { allowZero: true }),
      '--seed-time must be seconds >= 0',
    ],
    [() => parseSeconds('soon', '--interval'), '--interval must be seconds > 0'],
    [() => parseBoolean('maybe', 'DOCKET_AUTH_READS'), 'DOCKET_AUTH_READS must be true or false'],
    [() => parseSize('3Q', '--cache-size'), '--cache-size must be a size like 10G or 500M'],
  ])('refuse bad input, naming the flag or variable (%#)', (parse, message) => {
    expect(parse).toThrow(InvalidValueError);
    expect(parse).toThrow(message);
  });

  it('report the source and the value', () => {
    try {
      parsePort('x', '--port');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ source: '--port', value: 'x' });
    }
  });
});

interface Settings {
  port: number;
  name: string | undefined;
  on: boolean;
  urls: string[];
  fileOnly: number;
}

const TABLE: KeyTable<Settings> = {
  port: key.port({ flag: '--port', env: 'DOCKET_PORT', description: 'port', default: 1 }),
  name: key.string<string | undefined>({
    env: 'DOCKET_NAME',
    description: 'n',
    default: undefined,
  }),
  on: key.boolean({ flag: '--on', env: 'DOCKET_ON', description: 'on', default: true }),
  urls: key.list({ flag: '--url', env: 'DOCKET_URLS', description: 'urls', default: [] }),
  fileOnly: key.integer({ description: 'no flag, no variable', default: 7 }),
};

describe('key tables', () => {
  it('give the defaults, leaving out keys without one', () => {
    expect(defaultsOf(TABLE)).toEqual({ port: 1, on: true, urls: [], fileOnly: 7 });
  });

  it('read the set, non-empty environment variables, parsed', () => {
    expect(
      valuesFromEnv(TABLE, {
        DOCKET_PORT: '8',
        DOCKET_NAME: '',
        DOCKET_ON: 'false',
        DOCKET_URLS: 'http://a, http://b',
        OTHER: 'x',
      }),
    ).toEqual({ port: 8, on: false, urls: ['http://a', 'http://b'] });
    expect(() => valuesFromEnv(TABLE, { DOCKET_PORT: '99999' })).toThrow(
      'DOCKET_PORT must be a port number',
    );
  });

  it('list their environment variables for help text', () => {
    expect(envVarList(TABLE)).toBe(
      'DOCKET_PORT, DOCKET_NAME, DOCKET_ON, DOCKET_URLS (comma-separated)',
    );
  });

  it('say the default and the variable in the help line', () => {
    expect(helpLine(TABLE.port)).toBe('port (default 1; $DOCKET_PORT)');
    expect(helpLine(TABLE.on)).toBe('on (default on; $DOCKET_ON)');
    expect(helpLine(TABLE.fileOnly)).toBe('no flag, no variable (default 7)');
    expect(helpLine({ ...TABLE.urls, env: undefined })).toBe('urls');
  });
});
