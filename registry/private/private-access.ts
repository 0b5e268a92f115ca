import type { Digest } from '../../lib/digest.js';
import { PeerGrants, type PeerKey } from './peer-grants.js';
import {
  checkBlobSignature,
  passkeyFor,
  passkeyTokenId,
  SEEDER_PASSKEY_ID,
  type SignatureCheck,
  signBlob,
} from './signing.js';

/** The tokens table as passkeys need it. */
export interface TokenIds {
  /** The id of the token named `name`, if it exists. */
  idOf(name: string): number | undefined;
  exists(id: number): boolean;
}

export interface PrivateAccessOptions {
  secret: Buffer;
  tokens: TokenIds;
  /** How long a signed blob URL stays valid, in seconds. */
  signedUrlTtlSeconds: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * A private registry (--auth-reads) over BitTorrent: passkeys in announce URLs, signed
 * web seed URLs, and the peers the seeder may serve (those that announced with a valid
 * passkey).
 */
export class PrivateAccess {
  readonly grants = new PeerGrants();
  private readonly now: () => number;

  constructor(private readonly opts: PrivateAccessOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** `announceUrl` with the passkey of the token named `tokenName`; undefined for no such token. */
  announceUrlFor(announceUrl: string, tokenName: string): string | undefined {
    const id = this.opts.tokens.idOf(tokenName);
    return id === undefined
      ? undefined
      : withPasskey(announceUrl, passkeyFor(this.opts.secret, id));
  }

  /** The registry seeder's own announce URL. */
  seederAnnounceUrl(announceUrl: string): string {
    return withPasskey(announceUrl, passkeyFor(this.opts.secret, SEEDER_PASSKEY_ID));
  }

  /** A passkey the registry made, for the seeder or a token that still exists. */
  acceptsPasskey(passkey: string | undefined): boolean {
    if (passkey === undefined) return false;
    const id = passkeyTokenId(this.opts.secret, passkey);
    return id === SEEDER_PASSKEY_ID || (id !== undefined && this.opts.tokens.exists(id));
  }

  /** `blobUrl` (the blob's web seed URL) signed for `digest`, valid for the configured TTL. */
  signBlobUrl(blobUrl: string, digest: Digest): string {
    const expires = Math.floor(this.now() / 1000) + this.opts.signedUrlTtlSeconds;
    const sig = signBlob(this.opts.secret, digest, expires);
    return `${blobUrl}?expires=${expires}&sig=${sig}`;
  }

  checkBlobUrl(digest: Digest, query: { expires?: string; sig?: string }): SignatureCheck {
    return checkBlobSignature(this.opts.secret, digest, query, Math.floor(this.now() / 1000));
  }

  /** A peer announced with a valid passkey. */
  admit(peer: PeerKey): void {
    this.grants.grant(peer, this.now());
  }

  admits(peer: PeerKey): boolean {
    return this.grants.allows(peer, this.now());
  }
}

function withPasskey(announceUrl: string, passkey: string): string {
  return `${announceUrl}${announceUrl.includes('?') ? '&' : '?'}passkey=${passkey}`;
}
