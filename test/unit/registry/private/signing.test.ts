import { describe, expect, it } from 'vitest';
import {
  checkBlobSignature,
  passkeyFor,
  passkeyTokenId,
  SEEDER_PASSKEY_ID,
  signBlob,
} from '../../../../registry/private/signing.js';

const secret = Buffer.alloc(32, 7);
const other = Buffer.alloc(32, 8);
const digest = `sha256:${'ab'.repeat(32)}`;

describe('passkeys', () => {
  it('name their token and verify under the same secret only', () => {
    const passkey = passkeyFor(secret, 42);
    expect(passkey).toMatch(/^42\.[A-Za-z0-9_-]{43}$/);
    expect(passkeyTokenId(secret, passkey)).toBe(42);
    expect(passkeyTokenId(other, passkey)).toBeUndefined();
    expect(passkeyTokenId(secret, passkeyFor(secret, SEEDER_PASSKEY_ID))).toBe(0);
  });

  it('cannot be moved to another token id', () => {
    const mac = passkeyFor(secret, 42).split('.')[1];
    expect(passkeyTokenId(secret, `43.${mac}`)).toBeUndefined();
  });

  it('rejects malformed text', () => {
    const mac = passkeyFor(secret, 1).split('.')[1] as string;
    for (const bad of ['', '1', '1.', `01.${mac}`, `1.${mac}x`, `1.${mac.slice(1)}`, `-1.${mac}`])
      expect(passkeyTokenId(secret, bad), bad).toBeUndefined();
  });

  it('are not blob signatures', () => {
    const mac = passkeyFor(secret, 1).split('.')[1] as string;
    expect(checkBlobSignature(secret, digest, { expires: '1', sig: mac }, 0)).toBe('forged');
  });
});

describe('signed blob URLs', () => {
  const expires = 1_800_000_000;
  const sig = signBlob(secret, digest, expires);

  it('are valid until they expire', () => {
    expect(checkBlobSignature(secret, digest, { expires: String(expires), sig }, expires)).toBe(
      'valid',
    );
    expect(checkBlobSignature(secret, digest, { expires: String(expires), sig }, expires + 1)).toBe(
      'expired',
    );
  });

  it('are bound to their digest, expiry and secret', () => {
    const now = expires - 100;
    const otherDigest = `sha256:${'cd'.repeat(32)}`;
    expect(checkBlobSignature(secret, otherDigest, { expires: String(expires), sig }, now)).toBe(
      'forged',
    );
    expect(checkBlobSignature(secret, digest, { expires: String(expires + 3600), sig }, now)).toBe(
      'forged',
    );
    expect(checkBlobSignature(other, digest, { expires: String(expires), sig }, now)).toBe(
      'forged',
    );
  });

  it('a forged signature is forged even when also expired', () => {
    expect(checkBlobSignature(secret, digest, { expires: '1', sig: 'x'.repeat(43) }, 5)).toBe(
      'forged',
    );
  });

  it('accept only the canonical decimal expiry: one grant is one URL (audit finding 11b)', () => {
    const now = expires - 100;
    for (const padded of [`0${expires}`, `00${expires}`, `000000${expires}`])
      expect(checkBlobSignature(secret, digest, { expires: padded, sig }, now)).toBe('forged');
    expect(checkBlobSignature(secret, digest, { expires: String(expires), sig }, now)).toBe(
      'valid',
    );
    const zero = signBlob(secret, digest, 0);
    expect(checkBlobSignature(secret, digest, { expires: '0', sig: zero }, 0)).toBe('valid');
    expect(checkBlobSignature(secret, digest, { expires: '00', sig: zero }, 0)).toBe('forged');
  });

  it('rejects missing or malformed parts', () => {
    for (const query of [{}, { sig }, { expires: String(expires) }, { expires: '1e9', sig }])
      expect(checkBlobSignature(secret, digest, query, 0)).toBe('forged');
  });
});
