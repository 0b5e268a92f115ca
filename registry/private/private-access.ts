import type { Digest } from '../../lib/digest.js';
import { PeerGrants, type PeerKey } from './peer-grants.js';
import {
  checkBlobSignature,
  passkeyFor,
  passkeyTokenId,
  passkeyValid,
  SEEDER_PASSKEY_ID,
  SEEDER_SECRET,
  type SignatureCheck,
  signBlob,
} from './signing.js';

/** A live token (existing, not expired) as passkeys and signed URLs need it. */
export interface TokenKey {
  id: number;
  /** The per-token secret; rotation replaces it. */
  secret: string;
}

/** The tokens table as passkeys need it: live tokens only. */
export interface LiveTokens {
  byName(name: string): TokenKey | undefined;
  byId(id: number): TokenKey | undefined;
}

export interface PrivateAccessOptions {
  secret: Buffer;
  tokens: LiveTokens;
  /** How long a signed blob URL stays valid, in seconds. */
  signedUrlTtlSeconds: number;
  /**
   * Whether the live token `tokenId` may read the blob of `infoHash` (its scopes reach a
   * repository holding it: lib/api/scopes.ts readsBlob). Absent: every token reads every
   * blob.
   */
  mayRead?: (tokenId: number, infoHash: string) => boolean;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * A private registry (--auth-reads) over BitTorrent: passkeys in announce URLs, signed
 * web seed URLs, and the peers the seeder may serve (those that announced with a valid
 * passkey). Every check reads the token's current state: a passkey, a grant or a signed
 * URL of a token revoked, expired or rotated since fails at its next use.
 */
export class PrivateAccess {
  readonly grants = new PeerGrants();
  private readonly now: () => number;

  constructor(private readonly opts: PrivateAccessOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** `announceUrl` with the passkey of the token named `tokenName`; undefined for no live token. */
  announceUrlFor(announceUrl: string, tokenName: string): string | undefined {
    const token = this.opts.tokens.byName(tokenName);
    return token === undefined
      ? undefined
      : withPasskey(announceUrl, passkeyFor(this.opts.secret, token.id, token.secret));
  }

  /** The registry seeder's own announce URL. */
  seederAnnounceUrl(announceUrl: string): string {
    return withPasskey(announceUrl, passkeyFor(this.opts.secret, SEEDER_PASSKEY_ID, SEEDER_SECRET));
  }

  /**
   * A passkey the registry made, for the seeder or a live token with the same secret that
   * may read the blob of each of `infoHashes` (an announce names one, a scrape some).
   */
  acceptsPasskey(passkey: string | undefined, infoHashes: readonly string[] = []): boolean {
    if (passkey === undefined) return false;
    const id = passkeyTokenId(passkey);
    if (id === undefined) return false;
    if (id === SEEDER_PASSKEY_ID) return passkeyValid(this.opts.secret, passkey, id, SEEDER_SECRET);
    const tokenSecret = this.opts.tokens.byId(id)?.secret;
    if (tokenSecret === undefined || !passkeyValid(this.opts.secret, passkey, id, tokenSecret))
      return false;
    const { mayRead } = this.opts;
    return mayRead === undefined || infoHashes.every((h) => mayRead(id, h.toLowerCase()));
  }

  /**
   * `blobUrl` (the blob's web seed URL) signed for `digest` and the token named
   * `tokenName`, valid for the configured TTL; unsigned when there is no such live token.
   */
  signBlobUrl(blobUrl: string, digest: Digest, tokenName: string | null): string {
    const token = tokenName === null ? undefined : this.opts.tokens.byName(tokenName);
    if (token === undefined) return blobUrl;
    const expires = Math.floor(this.now() / 1000) + this.opts.signedUrlTtlSeconds;
    const sig = signBlob(this.opts.secret, digest, expires, token.id, token.secret);
    return `${blobUrl}?expires=${expires}&token=${token.id}&sig=${sig}`;
  }

  checkBlobUrl(
    digest: Digest,
    query: { expires?: string; token?: string; sig?: string },
  ): SignatureCheck {
    return checkBlobSignature(
      this.opts.secret,
      digest,
      query,
      Math.floor(this.now() / 1000),
      (id) => this.opts.tokens.byId(id)?.secret,
    );
  }

  /** A peer announced with `passkey` (already accepted by the tracker). */
  admit(peer: PeerKey, passkey: string | undefined): void {
    if (passkey !== undefined) this.grants.grant(peer, this.now(), passkey);
  }

  /**
   * The peer holds a grant whose passkey is still valid (its token live, not rotated) and
   * whose token may still read the peer's torrent's blob.
   */
  admits(peer: PeerKey): boolean {
    const passkey = this.grants.passkeyOf(peer, this.now());
    return passkey !== undefined && this.acceptsPasskey(passkey, [peer.infoHash]);
  }
}

function withPasskey(announceUrl: string, passkey: string): string {
  return `${announceUrl}${announceUrl.includes('?') ? '&' : '?'}passkey=${passkey}`;
}
