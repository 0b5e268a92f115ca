import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  announceUrls,
  ConfigError,
  configFromEnv,
  configFromFile,
  DEFAULT_CONFIG,
  publicUrlFor,
  resolveConfig,
} from '../../../registry/config.js';

describe('registry config', () => {
  it('has the documented defaults', () => {
    const c = resolveConfig();
    expect(c).toMatchObject({ dataDir: './docket-data', port: 5000, host: '0.0.0.0' });
    expect(c.embeddedTracker).toBe(true);
    expect(publicUrlFor(c, 5000)).toBe('http://127.0.0.1:5000');
    expect(announceUrls(c, 'http://r:5000')).toEqual(['http://r:5000/announce']);
  });

  it('lets flags beat env beat file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-test-config-'));
    try {
      const file = join(dir, 'c.json');
      await writeFile(file, JSON.stringify({ port: 1, host: 'file', authReads: true }));
      const env = configFromEnv({
        DOCKET_PORT: '2',
        DOCKET_TRACKER_URLS: 'http://t1/announce, http://t2/announce',
        DOCKET_EMBEDDED_TRACKER: 'false',
      });
      const c = resolveConfig(configFromFile(file), env, { port: 3 });
      expect(c).toMatchObject({ port: 3, host: 'file', authReads: true, embeddedTracker: false });
      expect(announceUrls(c, 'http://x')).toEqual(['http://t1/announce', 'http://t2/announce']);
      await writeFile(file, JSON.stringify({ prot: 1 }));
      expect(() => configFromFile(file)).toThrow(ConfigError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses every file value with its key: strings as the variable would be, JSON values checked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-test-config-'));
    try {
      const file = join(dir, 'registry.json');
      await writeFile(file, JSON.stringify({ embeddedTracker: 'false', authReads: 'no' }));
      expect(resolveConfig(configFromFile(file))).toMatchObject({
        embeddedTracker: false,
        authReads: false,
      });
      await writeFile(
        file,
        JSON.stringify({
          port: '5001',
          gcGraceSeconds: '2h',
          uploadTtlMs: '30s',
          webhookBackoffMs: 250,
          trackerUrls: 'http://t1/announce,http://t2/announce',
          directDownloads: false,
        }),
      );
      expect(configFromFile(file)).toEqual({
        port: 5001,
        gcGraceSeconds: 7200,
        uploadTtlMs: 30_000,
        webhookBackoffMs: 250,
        trackerUrls: ['http://t1/announce', 'http://t2/announce'],
        directDownloads: false,
      });
      for (const [doc, message] of [
        [
          { embeddedTracker: 'maybe' },
          `config file ${file}: embeddedTracker must be true or false, not "maybe"`,
        ],
        [{ port: 70000 }, `config file ${file}: port must be a port number`],
        [
          { gcIntervalSeconds: 'daily' },
          `config file ${file}: gcIntervalSeconds must be a duration`,
        ],
        [{ prot: 1 }, `config file ${file}: unknown key "prot"`],
      ] as const) {
        await writeFile(file, JSON.stringify(doc));
        expect(() => configFromFile(file)).toThrow(ConfigError);
        expect(() => configFromFile(file)).toThrow(message);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes durations with a suffix from the environment', () => {
    expect(
      configFromEnv({
        DOCKET_GC_INTERVAL: '1d',
        DOCKET_UPLOAD_TTL_MS: '10m',
        DOCKET_SIGNED_URL_TTL_SECONDS: '1h',
      }),
    ).toEqual({ gcIntervalSeconds: 86_400, uploadTtlMs: 600_000, signedUrlTtlSeconds: 3600 });
    expect(configFromEnv({ DOCKET_GC_GRACE: '600' })).toEqual({ gcGraceSeconds: 600 });
  });

  it('takes the egress cap from the environment and the config file, off by default', async () => {
    expect(DEFAULT_CONFIG.maxUploadRate).toBe(0);
    expect(configFromEnv({ DOCKET_MAX_UPLOAD_RATE: '20M' })).toEqual({
      maxUploadRate: 20_000_000,
    });
    expect(() => configFromEnv({ DOCKET_MAX_UPLOAD_RATE: '20MB' })).toThrow(
      'DOCKET_MAX_UPLOAD_RATE must be bytes per second',
    );
    const dir = await mkdtemp(join(tmpdir(), 'registry-test-config-'));
    try {
      const file = join(dir, 'c.json');
      await writeFile(file, JSON.stringify({ maxUploadRate: '12.5M' }));
      expect(configFromFile(file)).toEqual({ maxUploadRate: 12_500_000 });
      await writeFile(file, JSON.stringify({ maxUploadRate: 50 }));
      expect(() => configFromFile(file)).toThrow(`config file ${file}: maxUploadRate must be`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('derives or keeps the public URL', () => {
    expect(publicUrlFor({ ...DEFAULT_CONFIG, host: '10.1.2.3' }, 80)).toBe('http://10.1.2.3:80');
    expect(publicUrlFor({ ...DEFAULT_CONFIG, host: '::1' }, 80)).toBe('http://[::1]:80');
    expect(resolveConfig({ publicUrl: 'https://reg.example/' }).publicUrl).toBe(
      'https://reg.example',
    );
  });

  it('refuses bad values', () => {
    expect(() => resolveConfig({ port: 70000 })).toThrow(ConfigError);
    expect(() => configFromEnv({ DOCKET_AUTH_READS: 'maybe' })).toThrow(ConfigError);
    expect(() => configFromEnv({ DOCKET_PORT: 'x' })).toThrow(ConfigError);
    expect(() => resolveConfig({ trackerUrls: ['not a url'] })).toThrow(ConfigError);
  });
});
