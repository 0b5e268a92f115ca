import { describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_PREFIX,
  accessTokenValid,
  checkBlobSignature,
  readAccessToken,
  signAccessToken,
  passkeyFor,
  passkeyTokenId,
  passkeyValid,
  SEEDER_PASSKEY_ID,
  SEEDER_SECRET,
  signBlob,
} from '../../../../registry/private/signing.js';

const secret = Buffer.alloc(32, 7);
const other = Buffer.alloc(32, 8);
const digest = `sha256:${'ab'.repeat(32)}`;
const tokenSecret = 'generation-1';

describe('passkeys', () => {
  it('name their token and verify under the same server secret only', () => {
    const passkey = passkeyFor(secret, 42, tokenSecret);
    expect(passkey).toMatch(/^42\.[A-Za-z0-9_-]{43}$/);
    expect(passkeyTokenId(passkey)).toBe(42);
    expect(passkeyValid(secret, passkey, 42, tokenSecret)).toBe(true);
    expect(passkeyValid(other, passkey, 42, tokenSecret)).toBe(false);
    const seeder = passkeyFor(secret, SEEDER_PASSKEY_ID, SEEDER_SECRET);
    expect(passkeyValid(secret, seeder, 0, SEEDER_SECRET)).toBe(true);
  });

  // Security audit finding 1: the passkey was an HMAC of the token id alone, so a rotated
  // token's old passkey kept working.
  it('die with the per-token secret they were made with (rotation)', () => {
    const passkey = passkeyFor(secret, 42, tokenSecret);
    expect(passkeyValid(secret, passkey, 42, 'generation-2')).toBe(false);
  });

  it('cannot be moved to another token id', () => {
    const mac = passkeyFor(secret, 42, tokenSecret).split('.')[1];
    expect(passkeyValid(secret, `43.${mac}`, 43, tokenSecret)).toBe(false);
  });

  it('rejects malformed text', () => {
    const mac = passkeyFor(secret, 1, tokenSecret).split('.')[1] as string;
    for (const bad of ['', '1', '1.', `01.${mac}`, `1.${mac}x`, `1.${mac.slice(1)}`, `-1.${mac}`])
      expect(passkeyTokenId(bad), bad).toBeUndefined();
  });

  it('are not blob signatures', () => {
    const mac = passkeyFor(secret, 1, tokenSecret).split('.')[1] as string;
    expect(
      checkBlobSignature(
        secret,
        digest,
        { expires: '1', token: '1', sig: mac },
        0,
        () => tokenSecret,
      ),
    ).toBe('forged');
  });
});

describe('signed blob URLs', () => {
  const expires = 1_800_000_000;
  const sig = signBlob(secret, digest, expires, 5, tokenSecret);
  const live = (id: number) => (id === 5 ? tokenSecret : undefined);
  const q = (e: number | string, s = sig, token = '5') => ({ expires: String(e), token, sig: s });

  it('are valid until they expire', () => {
    expect(checkBlobSignature(secret, digest, q(expires), expires, live)).toBe('valid');
    expect(checkBlobSignature(secret, digest, q(expires), expires + 1, live)).toBe('expired');
  });

  it('are bound to their digest, expiry, token and secrets', () => {
    const now = expires - 100;
    const otherDigest = `sha256:${'cd'.repeat(32)}`;
    expect(checkBlobSignature(secret, otherDigest, q(expires), now, live)).toBe('forged');
    expect(checkBlobSignature(secret, digest, q(expires + 3600), now, live)).toBe('forged');
    expect(checkBlobSignature(other, digest, q(expires), now, live)).toBe('forged');
    expect(checkBlobSignature(secret, digest, q(expires, sig, '6'), now, () => tokenSecret)).toBe(
      'forged',
    );
  });

  // Security audit finding 7: a signed URL outlived the revocation of its token.
  it('stop working once their token is revoked or rotated', () => {
    const now = expires - 100;
    expect(checkBlobSignature(secret, digest, q(expires), now, () => undefined)).toBe('revoked');
    expect(checkBlobSignature(secret, digest, q(expires), now, () => 'rotated')).toBe('forged');
  });

  it('a forged signature is forged even when also expired', () => {
    expect(checkBlobSignature(secret, digest, q(1, 'x'.repeat(43)), 5, live)).toBe('forged');
  });

  it('accept only the canonical decimal expiry: one grant is one URL (audit finding 11b)', () => {
    const now = expires - 100;
    for (const padded of [`0${expires}`, `00${expires}`, `000000${expires}`])
      expect(checkBlobSignature(secret, digest, q(padded), now, live)).toBe('forged');
    expect(checkBlobSignature(secret, digest, q(expires), now, live)).toBe('valid');
    const zero = signBlob(secret, digest, 0, 5, tokenSecret);
    expect(checkBlobSignature(secret, digest, q(0, zero), 0, live)).toBe('valid');
    expect(checkBlobSignature(secret, digest, q('00', zero), 0, live)).toBe('forged');
  });

  it('rejects missing or malformed parts', () => {
    for (const query of [
      {},
      { sig },
      { expires: String(expires) },
      { expires: '1e9', token: '5', sig },
      { expires: String(expires), sig },
      { expires: String(expires), token: '05', sig },
    ])
      expect(checkBlobSignature(secret, digest, query, 0, live)).toBe('forged');
  });
});

describe('access tokens (/v2/token)', () => {
  const claims = {
    tokenId: 7,
    access: [{ name: 'team/app', actions: ['pull' as const] }],
    expires: 2000,
  };

  it('carry their claims, valid under the server secret and the current token secret', () => {
    const t = signAccessToken(secret, claims, tokenSecret);
    expect(t.startsWith(ACCESS_TOKEN_PREFIX)).toBe(true);
    expect(readAccessToken(t)).toEqual(claims);
    expect(accessTokenValid(secret, t, tokenSecret, 1999)).toBe(true);
  });

  it('fail when expired, rotated, signed under another key or altered', () => {
    const t = signAccessToken(secret, claims, tokenSecret);
    expect(accessTokenValid(secret, t, tokenSecret, 2000)).toBe(false);
    expect(accessTokenValid(secret, t, 'generation-2', 1000)).toBe(false);
    expect(accessTokenValid(other, t, tokenSecret, 1000)).toBe(false);
    const [, , sig] = t.split('.');
    const wider = Buffer.from(
      JSON.stringify({ ...claims, access: [{ name: 'team/app', actions: ['pull', 'push'] }] }),
    ).toString('base64url');
    expect(
      accessTokenValid(secret, `${ACCESS_TOKEN_PREFIX}${wider}.${sig}`, tokenSecret, 1000),
    ).toBe(false);
  });

  it('are told apart from docket tokens and malformed text', () => {
    expect(readAccessToken('Zm9vYmFy-plain_docket_token')).toBeUndefined();
    expect(readAccessToken(`${ACCESS_TOKEN_PREFIX}bm9wZQ.x`)).toBeUndefined();
    expect(readAccessToken(`${ACCESS_TOKEN_PREFIX}a.b.c`)).toBeUndefined();
    const bad = Buffer.from(
      JSON.stringify({ ...claims, access: [{ name: 'x', actions: ['admin'] }] }),
    );
    expect(readAccessToken(`${ACCESS_TOKEN_PREFIX}${bad.toString('base64url')}.x`)).toBeUndefined();
  });
});
