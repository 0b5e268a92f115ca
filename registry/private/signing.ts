import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The credentials of a private registry (--auth-reads) outside HTTP auth, all HMAC-SHA256
 * under the server secret (server-secret.ts), so no table holds them:
 *
 * - passkey `<tokenId>.<mac>`: put in the announce URL of the torrents served to that
 *   token; the id says which token, so the passkey dies with it.
 * - signed blob URL `?expires=<unix seconds>&sig=<mac>`: the web seed URL (BEP 19) of a
 *   served torrent (`expires` in canonical decimal: no leading zeros); webtorrent sends no Authorization header, so the URL carries it.
 *
 * Each MAC is over a purpose label as well, so one kind can never stand for another.
 */

/** The passkey id of the registry's own seeder (token ids start at 1). */
export const SEEDER_PASSKEY_ID = 0;

export function passkeyFor(secret: Buffer, tokenId: number): string {
  return `${tokenId}.${mac(secret, `passkey\n${tokenId}`)}`;
}

/** The token id a passkey was made for; undefined when it is malformed or forged. */
export function passkeyTokenId(secret: Buffer, passkey: string): number | undefined {
  const m = /^(0|[1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/.exec(passkey);
  if (!m) return undefined;
  const id = Number(m[1]);
  return sameMac(m[2] as string, mac(secret, `passkey\n${id}`)) ? id : undefined;
}

export function signBlob(secret: Buffer, digest: string, expires: number): string {
  return mac(secret, `blob\n${digest}\n${expires}`);
}

export type SignatureCheck = 'valid' | 'expired' | 'forged';

/**
 * Checks a signed blob URL's `expires` and `sig` query values against `digest`. A forged
 * signature is reported as such even when also expired: expiry is only news for a
 * signature we made.
 */
export function checkBlobSignature(
  secret: Buffer,
  digest: string,
  query: { expires?: string; sig?: string },
  nowSeconds: number,
): SignatureCheck {
  const { expires = '', sig = '' } = query;
  // The canonical decimal only: with leading zeros allowed one signature would stand for
  // several URLs (`?expires=0<n>` as well as `?expires=<n>`).
  if (!/^(0|[1-9][0-9]{0,14})$/.test(expires)) return 'forged';
  if (!sameMac(sig, signBlob(secret, digest, Number(expires)))) return 'forged';
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
