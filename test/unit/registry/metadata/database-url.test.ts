import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, resolveConfig } from '../../../../registry/config.js';
import { DatabaseUrlError, parseDatabaseUrl } from '../../../../registry/metadata/database-url.js';
import { redactUrl } from '../../../../registry/metadata/postgres-db.js';

describe('parseDatabaseUrl', () => {
  it('reads a postgres:// or postgresql:// URL', () => {
    for (const url of [
      'postgres://docket:pw@db.example:5432/docket',
      'postgresql://docket@127.0.0.1/meta?sslmode=require',
    ])
      expect(parseDatabaseUrl(url)).toEqual({ kind: 'postgres', url });
  });

  it.each([
    ['', 'empty'],
    ['/srv/docket.db', 'not a URL'],
    ['mysql://u:pw@h/db', 'unknown scheme'],
    ['postgres://u:pw@h', 'no database name'],
    ['postgres://u:pw@h/a/b', 'no database name'],
    ['postgres:///db', 'no host'],
    ['postgres://u:pw@:5432/db', 'not a URL'],
  ])('refuses %j (%s)', (text, why) => {
    let err: unknown;
    try {
      parseDatabaseUrl(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatabaseUrlError);
    expect((err as Error).message).toContain(why);
    expect((err as Error).message).not.toContain('pw');
  });
});

describe('redactUrl', () => {
  it('hides the password and nothing else', () => {
    expect(redactUrl('postgres://docket:s3cr%40t@h:5432/db')).toBe(
      'postgres://docket:***@h:5432/db',
    );
    expect(redactUrl('postgres://docket@h/db')).toBe('postgres://docket@h/db');
  });
});

describe('--database in the registry config', () => {
  it('is unset by default (SQLite in the data directory)', () => {
    expect(resolveConfig().database).toBeUndefined();
  });

  it('names the source of a bad URL, without its password', () => {
    const url = 'postgres://docket:pw@127.0.0.1:5432/docket';
    expect(resolveConfig(configFromEnv({ DOCKET_DATABASE: url })).database).toBe(url);
    let err: unknown;
    try {
      configFromEnv({ DOCKET_DATABASE: 'postgres://docket:hunter2@127.0.0.1:5432' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('DOCKET_DATABASE must be postgres://');
    expect((err as Error).message).not.toContain('hunter2');
  });
});
