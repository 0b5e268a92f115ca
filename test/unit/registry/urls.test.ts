import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../lib/digest.js';
import { DEFAULT_CONFIG, type RegistryConfig } from '../../../registry/config.js';
import { RegistryUrls } from '../../../registry/urls.js';

const config = (overrides: Partial<RegistryConfig> = {}): RegistryConfig => ({
  ...DEFAULT_CONFIG,
  host: '127.0.0.1',
  port: 0,
  trackerUrls: ['udp://tracker.example:6969'],
  ...overrides,
});

describe('RegistryUrls', () => {
  it('knows the public URL once the server listens, not before', () => {
    const urls = new RegistryUrls(config(), undefined);
    expect(() => urls.publicUrl()).toThrow();
    expect(urls.listening(5123)).toBe('http://127.0.0.1:5123');
    expect(urls.publicUrl()).toBe('http://127.0.0.1:5123');
  });

  it('prefers the configured public URL to the bound port', () => {
    const urls = new RegistryUrls(config({ publicUrl: 'https://registry.example' }), undefined);
    expect(urls.listening(5123)).toBe('https://registry.example');
  });

  it('announces to the embedded tracker first, then the configured trackers', () => {
    const urls = new RegistryUrls(config(), undefined);
    urls.listening(5123);
    const announce = ['http://127.0.0.1:5123/announce', 'udp://tracker.example:6969'];
    expect(urls.announce('seeder')).toEqual(announce);
    expect(urls.announce({ viewer: 'ci' })).toEqual(announce);
  });

  it("names a blob's web seed under the public URL", () => {
    const urls = new RegistryUrls(config(), undefined);
    urls.listening(5123);
    const digest = sha256Digest(Buffer.from('layer'));
    expect(urls.webSeed(digest)).toBe(`http://127.0.0.1:5123/docket/v1/blobs/${digest}`);
  });
});
