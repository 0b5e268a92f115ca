import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../../../lib/digest.js';
import { PrivateAccess, type TokenKey } from '../../../../registry/private/private-access.js';
import { passkeyOf } from '../../../../tracker/embedded.js';

const digest = parseDigest(`sha256:${'ab'.repeat(32)}`);

/** One token `ci` (id 7) whose secret the test may change (rotate) or remove (revoke). */
function access(now = 1_000_000, mayRead?: (tokenId: number, infoHash: string) => boolean) {
  const state: { ci: TokenKey | undefined } = { ci: { id: 7, secret: 'one' } };
  const a = new PrivateAccess({
    ...(mayRead ? { mayRead } : {}),
    secret: Buffer.alloc(32, 1),
    tokens: {
      byName: (name) => (name === 'ci' ? state.ci : undefined),
      byId: (id) => (id === 7 ? state.ci : undefined),
    },
    signedUrlTtlSeconds: 60,
    now: () => now,
  });
  return { a, state };
}

function blobQuery(url: string) {
  const u = new URL(url);
  const get = (k: string) => u.searchParams.get(k) ?? undefined;
  return { expires: get('expires'), token: get('token'), sig: get('sig') };
}

describe('PrivateAccess', () => {
  it('puts the token passkey in the announce URL, where the tracker finds it', () => {
    const { a } = access();
    const url = a.announceUrlFor('http://r:5000/announce', 'ci') as string;
    expect(url).toMatch(/^http:\/\/r:5000\/announce\?passkey=7\./);
    expect(a.acceptsPasskey(passkeyOf(url))).toBe(true);
    // bittorrent-tracker's client appends its query after ours.
    expect(passkeyOf(`${url}&info_hash=%aa&peer_id=x`)).toBe(passkeyOf(url));
    expect(a.announceUrlFor('http://r:5000/announce', 'nobody')).toBeUndefined();
  });

  it('accepts the seeder passkey, and no passkey of a token that is gone', () => {
    const { a, state } = access();
    expect(a.acceptsPasskey(passkeyOf(a.seederAnnounceUrl('http://r/announce?x=1')))).toBe(true);
    const passkey = passkeyOf(a.announceUrlFor('http://r/announce', 'ci') as string);
    state.ci = undefined;
    expect(a.acceptsPasskey(passkey)).toBe(false);
    expect(a.acceptsPasskey(undefined)).toBe(false);
  });

  // Security audit finding 1: rotation kept the old passkey working.
  it('refuses the passkey made before a rotation, accepts the new one', () => {
    const { a, state } = access();
    const old = passkeyOf(a.announceUrlFor('http://r/announce', 'ci') as string);
    state.ci = { id: 7, secret: 'two' };
    expect(a.acceptsPasskey(old)).toBe(false);
    expect(a.acceptsPasskey(passkeyOf(a.announceUrlFor('http://r/announce', 'ci') as string))).toBe(
      true,
    );
  });

  it('signs blob URLs for the configured time and the token', () => {
    const url = access(1_000_000).a.signBlobUrl(`http://r/docket/v1/blobs/${digest}`, digest, 'ci');
    const query = blobQuery(url);
    expect(query.expires).toBe(String(1000 + 60));
    expect(query.token).toBe('7');
    expect(access(1_060_000).a.checkBlobUrl(digest, query)).toBe('valid');
    expect(access(1_061_000).a.checkBlobUrl(digest, query)).toBe('expired');
  });

  // Security audit finding 7: signed URLs outlived their token.
  it('a signed URL stops working when its token is revoked or rotated', () => {
    const { a, state } = access();
    const query = blobQuery(a.signBlobUrl(`http://r/docket/v1/blobs/${digest}`, digest, 'ci'));
    expect(a.checkBlobUrl(digest, query)).toBe('valid');
    state.ci = { id: 7, secret: 'two' };
    expect(a.checkBlobUrl(digest, query)).toBe('forged');
    state.ci = undefined;
    expect(a.checkBlobUrl(digest, query)).toBe('revoked');
  });

  it('admits peers it was told announced, while their passkey stays valid', () => {
    const { a, state } = access();
    const peer = { infoHash: 'aa'.repeat(20), peerId: 'bb'.repeat(20), ip: '127.0.0.1' };
    expect(a.admits(peer)).toBe(false);
    a.admit(peer, passkeyOf(a.announceUrlFor('http://r/announce', 'ci') as string));
    expect(a.admits({ ...peer, ip: '::ffff:127.0.0.1' })).toBe(true);
    // Security audit finding 7: the grant outlived the token (30 minutes).
    state.ci = { id: 7, secret: 'two' };
    expect(a.admits(peer)).toBe(false);
    state.ci = undefined;
    expect(a.admits(peer)).toBe(false);
  });

  it('accepts a token passkey only for infohashes of blobs the token may read, grants too', () => {
    const readable = 'aa'.repeat(20);
    const other = 'bb'.repeat(20);
    const { a, state } = access(1_000_000, (id, infoHash) => id === 7 && infoHash === readable);
    const passkey = passkeyOf(a.announceUrlFor('http://r/announce', 'ci') as string);
    expect(a.acceptsPasskey(passkey, [readable])).toBe(true);
    expect(a.acceptsPasskey(passkey, [other])).toBe(false);
    expect(a.acceptsPasskey(passkey, [readable, other])).toBe(false);
    const seeder = passkeyOf(a.seederAnnounceUrl('http://r/announce'));
    expect(a.acceptsPasskey(seeder, [other])).toBe(true);
    const peer = { peerId: 'aa'.repeat(20), ip: '10.0.0.2' };
    a.admit({ ...peer, infoHash: readable }, passkey);
    a.admit({ ...peer, infoHash: other }, passkey);
    expect(a.admits({ ...peer, infoHash: readable })).toBe(true);
    expect(a.admits({ ...peer, infoHash: other })).toBe(false);
    state.ci = undefined;
    expect(a.admits({ ...peer, infoHash: readable })).toBe(false);
  });
});
