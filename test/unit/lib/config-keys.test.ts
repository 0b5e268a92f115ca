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
  parseDuration,
  parseList,
  parsePort,
  parseSize,
  UnknownKeyError,
  valuesFromEnv,
  valuesFromFile,
} from '../../../lib/config-keys.js';

describe('value parsers', () => {
  it('parse good input', () => {
    expect(parseInteger('42', '--n')).toBe(42);
    expect(parsePort('0', '--port')).toBe(0);
    expect(parsePort('65535', '--port')).toBe(65535);
    expect(parseDuration('0.5', '--rescan', { unit: 's' })).toBe(0.5);
    expect(parseDuration('0', '--seed-time', { unit: 's', allowZero: true })).toBe(0);
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
    [
      () => parseDuration('0', '--rescan', { unit: 's' }),
      '--rescan must be a duration > 0 (30s, 5m, 2h, 1d; a bare number is seconds), not "0"',
    ],
    [
      () => parseDuration('-1', '--seed-time', { unit: 's', allowZero: true }),
      '--seed-time must be a duration >= 0',
    ],
    [() => parseDuration('soon', '--interval', { unit: 's' }), '--interval must be a duration > 0'],
    [() => parseDuration('5 min', '--interval', { unit: 's' }), '--interval must be a duration'],
    [
      () => parseDuration('1.5', 'DOCKET_UPLOAD_TTL_MS', { unit: 'ms', whole: true }),
      'DOCKET_UPLOAD_TTL_MS must be a duration > 0 in whole milliseconds (30s, 5m, 2h, 1d; a bare number is milliseconds), not "1.5"',
    ],
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

describe('durations', () => {
  it('take s, m, h, d and ms suffixes; a bare number is the unit of the key', () => {
    const seconds = (text: string) => parseDuration(text, 'X', { unit: 's', allowZero: true });
    const ms = (text: string) => parseDuration(text, 'X', { unit: 'ms', allowZero: true });
    expect(seconds('300')).toBe(300);
    expect(seconds('30s')).toBe(30);
    expect(seconds('5m')).toBe(300);
    expect(seconds('2h')).toBe(7200);
    expect(seconds('1d')).toBe(86_400);
    expect(seconds('1.5M')).toBe(90);
    expect(seconds('250ms')).toBe(0.25);
    expect(ms('1000')).toBe(1000);
    expect(ms('1.1s')).toBe(1100);
    expect(ms('1h')).toBe(3_600_000);
    expect(ms('20ms')).toBe(20);
  });

  it('are refused in whole units when they do not divide', () => {
    expect(parseDuration('90s', 'X', { unit: 's', whole: true })).toBe(90);
    expect(() => parseDuration('500ms', 'X', { unit: 's', whole: true })).toThrow(
      'in whole seconds',
    );
  });

  it('show their default with a suffix and say what a bare number is', () => {
    const k = key.duration({ flag: '--t', description: 'wait', default: 300, unit: 's' });
    expect(helpLine(k)).toBe('wait (default 5m; a bare number is seconds)');
    const ms = key.duration({ env: 'DOCKET_T', description: 'wait', default: 1500, unit: 'ms' });
    expect(helpLine(ms)).toBe('wait (default 1500ms; a bare number is milliseconds; $DOCKET_T)');
    expect(k.parse('2h', '--t')).toBe(7200);
  });
});

describe('sizes', () => {
  it('show their default as a size', () => {
    const k = key.size({ flag: '--s', description: 'limit', default: 10 * 1024 ** 3 });
    expect(helpLine(k)).toBe('limit (default 10G)');
  });
});

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

  it('read a config file object through the same parsers', () => {
    expect(
      valuesFromFile(
        TABLE,
        { port: '8', on: 'no', urls: 'http://a, http://b', fileOnly: 3, name: null },
        'config file /x.json',
      ),
    ).toEqual({ port: 8, on: false, urls: ['http://a', 'http://b'], fileOnly: 3 });
    expect(
      valuesFromFile(TABLE, { port: 9, on: true, urls: [' http://c '] }, 'config file /x.json'),
    ).toEqual({ port: 9, on: true, urls: ['http://c'] });
  });

  it.each([
    [{ on: 'maybe' }, 'config file /x.json: on must be true or false, not "maybe"'],
    [{ port: 70000 }, 'config file /x.json: port must be a port number (0-65535), not "70000"'],
    [{ port: true }, 'config file /x.json: port must be a string or a number, not "true"'],
    [{ on: [true] }, 'config file /x.json: on must be true or false, not "[true]"'],
    [{ urls: [1] }, 'config file /x.json: urls must be a string or an array of strings'],
  ])('refuse a bad file value, naming the file and the key (%j)', (doc, message) => {
    const read = () => valuesFromFile(TABLE, doc, 'config file /x.json');
    expect(read).toThrow(InvalidValueError);
    expect(read).toThrow(message);
  });

  it('refuse an unknown file key, naming the file', () => {
    const read = () => valuesFromFile(TABLE, { prot: 1 }, 'config file /x.json');
    expect(read).toThrow(UnknownKeyError);
    expect(read).toThrow('config file /x.json: unknown key "prot"');
    expect(() => valuesFromFile(TABLE, { toString: 1 }, 'f')).toThrow(UnknownKeyError);
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
