import { paths } from '../lib/api/index.js';
import type { Digest } from '../lib/digest.js';
import { announceUrls, publicUrlFor, type RegistryConfig } from './config.js';
import type { PrivateAccess } from './private/private-access.js';

/**
 * The URLs the registry writes into torrents and error bodies: its public URL (the
 * configured one, else derived from the port the server is bound to), a blob's web seed
 * URL (signed in a private registry) and the announce lists. The public URL is fixed by
 * `listening`, once the server is bound; its readers run per request and per torrent
 * started, after that. Reading it before is a wiring mistake and throws.
 */
export class RegistryUrls {
  private base: string | undefined;

  constructor(
    private readonly config: RegistryConfig,
    private readonly privateAccess: PrivateAccess | undefined,
  ) {}

  /** The server listens on `port`: fixes the public URL and returns it. */
  listening(port: number): string {
    this.base = publicUrlFor(this.config, port);
    return this.base;
  }

  publicUrl(): string {
    if (this.base === undefined) throw new Error('public URL read before the registry listens');
    return this.base;
  }

  /**
   * The blob's web seed URL; in a private registry signed for `viewer` (the token's name),
   * unsigned for the seeder's own torrent (it never fetches from a web seed).
   */
  webSeed(digest: Digest, viewer: string | null = null): string {
    const url = `${this.publicUrl()}${paths.docketBlob(digest)}`;
    return this.privateAccess ? this.privateAccess.signBlobUrl(url, digest, viewer) : url;
  }

  /**
   * The announce list of served torrents (`viewer`: the token's name) and of the seeder
   * (`seeder`): in a private registry the embedded tracker's URL carries a passkey.
   */
  announce(who: { viewer: string | null } | 'seeder'): string[] {
    const urls = announceUrls(this.config, this.publicUrl());
    const { privateAccess } = this;
    if (!privateAccess || !this.config.embeddedTracker) return urls;
    const [embedded = '', ...external] = urls;
    const keyed =
      who === 'seeder'
        ? privateAccess.seederAnnounceUrl(embedded)
        : who.viewer !== null
          ? privateAccess.announceUrlFor(embedded, who.viewer)
          : undefined;
    return [keyed ?? embedded, ...external];
  }
}
