import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The credentials of a private registry (--auth-reads) outside HTTP auth, all HMAC-SHA256
 * under the server secret (server-secret.ts) over the token's id and its per-token secret
 * (services/tokens.ts), so no table holds them and each dies with its token: revoking
 * deletes the secret, rotating replaces it.
 *
 * - passkey `<tokenId>.<mac>`: put in the announce URL of the torrents served to that
 *   token; the id says which token's secret to check it against.
 * - signed blob URL `?expires=<unix seconds>&token=<tokenId>&sig=<mac>`: the web seed URL
 *   (BEP 19) of a torrent served to that token (`expires` in canonical decimal: no
 *   leading zeros); webtorrent sends no Authorization header, so the URL carries it.
 *
 * - access token `dat.<claims>.<mac>`: what /v2/token hands out (in both modes): the
 *   docket token's id, the granted access and an expiry (signAccessToken).
 *
 * Each MAC is over a purpose label as well, so one kind can never stand for another.
 */

/** The passkey id of the registry's own seeder (token ids start at 1). */
export const SEEDER_PASSKEY_ID = 0;

/** The seeder's stand-in for a per-token secret: its passkey is made by the registry only. */
export const SEEDER_SECRET = 'seeder';

export function passkeyFor(secret: Buffer, tokenId: number, tokenSecret: string): string {
  return `${tokenId}.${mac(secret, `passkey\n${tokenId}\n${tokenSecret}`)}`;
}

/** The token id a passkey names; undefined when it is malformed. Check it with passkeyValid. */
export function passkeyTokenId(passkey: string): number | undefined {
  const m = /^(0|[1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/.exec(passkey);
  return m ? Number(m[1]) : undefined;
}

/** Whether `passkey` was made for token `tokenId` with its current secret `tokenSecret`. */
export function passkeyValid(
  secret: Buffer,
  passkey: string,
  tokenId: number,
  tokenSecret: string,
): boolean {
  return sameMac(passkey, passkeyFor(secret, tokenId, tokenSecret));
}

export function signBlob(
  secret: Buffer,
  digest: string,
  expires: number,
  tokenId: number,
  tokenSecret: string,
): string {
  return mac(secret, `blob\n${digest}\n${expires}\n${tokenId}\n${tokenSecret}`);
}

/** `revoked`: the token the URL was signed for no longer exists, expired or was rotated. */
export type SignatureCheck = 'valid' | 'expired' | 'forged' | 'revoked';

/**
 * Checks a signed blob URL's `expires`, `token` and `sig` query values against `digest`
 * and the current secret of the token it names (`tokenSecret`: undefined when that token
 * is gone). A forged signature is reported as such even when also expired: expiry is only
 * news for a signature we made.
 */
export function checkBlobSignature(
  secret: Buffer,
  digest: string,
  query: { expires?: string; token?: string; sig?: string },
  nowSeconds: number,
  tokenSecret: (tokenId: number) => string | undefined,
): SignatureCheck {
  const { expires = '', token = '', sig = '' } = query;
  // The canonical decimal only: with leading zeros allowed one signature would stand for
  // several URLs (`?expires=0<n>` as well as `?expires=<n>`).
  if (!/^(0|[1-9][0-9]{0,14})$/.test(expires)) return 'forged';
  if (!/^[1-9][0-9]{0,15}$/.test(token)) return 'forged';
  const current = tokenSecret(Number(token));
  if (current === undefined) return 'revoked';
  if (!sameMac(sig, signBlob(secret, digest, Number(expires), Number(token), current)))
    return 'forged';
  return Number(expires) < nowSeconds ? 'expired' : 'valid';
}

function mac(secret: Buffer, message: string): string {
  return createHmac('sha256', secret).update(message).digest('base64url');
}

function sameMac(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What an access token (/v2/token) carries: its docket token, the granted access, its expiry. */
export interface AccessTokenClaims {
  /** The id of the docket token it was issued from. */
  tokenId: number;
  /** The granted resources, as the token response's `access` lists them. */
  access: { name: string; actions: ('pull' | 'push' | 'delete')[] }[];
  /** Unix seconds. */
  expires: number;
}

/** Every access token starts with this; a docket token (base64url) never has a `.`. */
export const ACCESS_TOKEN_PREFIX = 'dat.';

/**
 * An access token: `dat.<claims as base64url JSON>.<mac>`, the MAC under the server
 * secret over the claims and the docket token's per-token secret, so revoking or rotating
 * the docket token ends its access tokens too.
 */
export function signAccessToken(
  secret: Buffer,
  claims: AccessTokenClaims,
  tokenSecret: string,
): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${ACCESS_TOKEN_PREFIX}${body}.${mac(secret, `access\n${body}\n${tokenSecret}`)}`;
}

/**
 * The claims of an access token, unverified (the caller needs `tokenId` to find the
 * per-token secret, then calls accessTokenValid); undefined when it is not one.
 */
export function readAccessToken(text: string): AccessTokenClaims | undefined {
  if (!text.startsWith(ACCESS_TOKEN_PREFIX)) return undefined;
  const [body = '', sig, extra] = text.slice(ACCESS_TOKEN_PREFIX.length).split('.');
  if (sig === undefined || extra !== undefined) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const c = claims as Partial<AccessTokenClaims> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    !Number.isSafeInteger(c.tokenId) ||
    !Number.isSafeInteger(c.expires) ||
    !Array.isArray(c.access) ||
    !c.access.every(
      (a) =>
        typeof a?.name === 'string' &&
        Array.isArray(a.actions) &&
        a.actions.every((x) => x === 'pull' || x === 'push' || x === 'delete'),
    )
  )
    return undefined;
  return { tokenId: c.tokenId as number, access: c.access, expires: c.expires as number };
}

/**
 * Whether `text` is an access token the registry signed for the docket token whose
 * current secret is `tokenSecret`, not expired at `nowSeconds`.
 */
export function accessTokenValid(
  secret: Buffer,
  text: string,
  tokenSecret: string,
  nowSeconds: number,
): boolean {
  const body = text.slice(ACCESS_TOKEN_PREFIX.length).split('.')[0] ?? '';
  const sig = text.slice(ACCESS_TOKEN_PREFIX.length + body.length + 1);
  const claims = readAccessToken(text);
  return (
    claims !== undefined &&
    claims.expires > nowSeconds &&
    sameMac(sig, mac(secret, `access\n${body}\n${tokenSecret}`))
  );
}
