import { mkdtempSync, statSync } from 'node:fs';
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CredentialsStore,
  chooseRegistry,
  defaultCredentialsPath,
  normalizeRegistryUrl,
} from '../../../client/credentials.js';
import { ConfigError } from '../../../client/errors.js';

describe('chooseRegistry', () => {
  const file = {
    registry: 'http://file:5000',
    auths: {
      'http://flag:1': { token: 'flag-token' },
      'http://file:5000': { token: 'file-token' },
    },
  };
  it('prefers the flag, then the environment, then the file', () => {
    expect(chooseRegistry('flag:1', { registry: 'http://env:2' }, file)).toEqual({
      url: 'http://flag:1',
      token: 'flag-token',
    });
    expect(chooseRegistry(undefined, { registry: 'http://env:2' }, file)).toEqual({
      url: 'http://env:2',
    });
    expect(chooseRegistry(undefined, {}, file)).toEqual({
      url: 'http://file:5000',
      token: 'file-token',
    });
  });
  it('takes DOCKET_TOKEN over the stored token', () => {
    expect(chooseRegistry(undefined, { token: 'env' }, file).token).toBe('env');
  });
  it('throws ConfigError when no registry is named', () => {
    expect(() => chooseRegistry(undefined, {}, {})).toThrow(ConfigError);
  });
});

describe('normalizeRegistryUrl', () => {
  it('adds http:// and drops paths and trailing slashes', () => {
    expect(normalizeRegistryUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(normalizeRegistryUrl('https://r.example/')).toBe('https://r.example');
  });
  it('rejects other schemes', () => {
    expect(() => normalizeRegistryUrl('ftp://x')).toThrow(ConfigError);
  });
});

describe('CredentialsStore', () => {
  it('reads nothing as empty, writes mode 0600, reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docket-config-'));
    const store = new CredentialsStore(join(dir, 'sub', 'config.json'));
    expect(await store.read()).toEqual({});
    await store.write({ registry: 'http://a:1', auths: { 'http://a:1': { token: 't' } } });
    expect(await store.read()).toEqual({
      registry: 'http://a:1',
      auths: { 'http://a:1': { token: 't' } },
    });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });
  it('throws ConfigError for a file that is not a JSON object', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'docket-config-')), 'config.json');
    await writeFile(path, '[1, 2]');
    await expect(new CredentialsStore(path).read()).rejects.toThrow(ConfigError);
  });
  it('honours DOCKET_CREDENTIALS, else DOCKET_CONFIG, else XDG_CONFIG_HOME', () => {
    const none = () => false;
    expect(defaultCredentialsPath({ DOCKET_CREDENTIALS: '/x/c.json', DOCKET_CONFIG: '/y' })).toBe(
      '/x/c.json',
    );
    expect(defaultCredentialsPath({ DOCKET_CONFIG: '/x/c.json' })).toBe('/x/c.json');
    expect(defaultCredentialsPath({ XDG_CONFIG_HOME: '/cfg' }, none)).toBe(
      '/cfg/docket/credentials.json',
    );
  });
  it('keeps using a config.json written before the file had its name', () => {
    const only = (path: string) => (p: string) => p === path;
    expect(
      defaultCredentialsPath({ XDG_CONFIG_HOME: '/cfg' }, only('/cfg/docket/config.json')),
    ).toBe('/cfg/docket/config.json');
    expect(
      defaultCredentialsPath({ XDG_CONFIG_HOME: '/cfg' }, (p) => p.startsWith('/cfg/docket/')),
    ).toBe('/cfg/docket/credentials.json');
  });
});

describe('CredentialsStore.write', () => {
  it('writes the file 0600 through an unpredictable temp name, never a planted symlink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docket-config-write-'));
    const path = join(dir, 'config.json');
    // Where an attacker would point the old temp name (<path>.<pid>.tmp).
    const target = join(dir, 'stolen');
    await writeFile(target, 'untouched');
    await symlink(target, `${path}.${process.pid}.tmp`);
    await new CredentialsStore(path).write({ registry: 'http://r:5000', auths: {} });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await readFile(target, 'utf8')).toBe('untouched');
    expect(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp') && !f.includes(`${process.pid}`)),
    ).toEqual([]);
    expect(JSON.parse(await readFile(path, 'utf8')).registry).toBe('http://r:5000');
  });
});
