import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../../../lib/digest.js';
import { PrivateAccess } from '../../../../registry/private/private-access.js';
import { passkeyOf } from '../../../../tracker/embedded.js';

const digest = parseDigest(`sha256:${'ab'.repeat(32)}`);

function access(now = 1_000_000): PrivateAccess {
  const tokens = new Map([['ci', 7]]);
  return new PrivateAccess({
    secret: Buffer.alloc(32, 1),
    tokens: { idOf: (name) => tokens.get(name), exists: (id) => id === 7 },
    signedUrlTtlSeconds: 60,
    now: () => now,
  });
}

describe('PrivateAccess', () => {
  it('puts the token passkey in the announce URL, where the tracker finds it', () => {
    const a = access();
    const url = a.announceUrlFor('http://r:5000/announce', 'ci') as string;
    expect(url).toMatch(/^http:\/\/r:5000\/announce\?passkey=7\./);
    expect(a.acceptsPasskey(passkeyOf(url))).toBe(true);
    // bittorrent-tracker's client appends its query after ours.
    expect(passkeyOf(`${url}&info_hash=%aa&peer_id=x`)).toBe(passkeyOf(url));
    expect(a.announceUrlFor('http://r:5000/announce', 'nobody')).toBeUndefined();
  });

  it('accepts the seeder passkey, and no passkey of a token that is gone', () => {
    const a = access();
    expect(a.acceptsPasskey(passkeyOf(a.seederAnnounceUrl('http://r/announce?x=1')))).toBe(true);
    const gone = new PrivateAccess({
      secret: Buffer.alloc(32, 1),
      tokens: { idOf: () => 7, exists: () => false },
      signedUrlTtlSeconds: 60,
    });
    expect(
      gone.acceptsPasskey(passkeyOf(a.announceUrlFor('http://r/announce', 'ci') as string)),
    ).toBe(false);
    expect(a.acceptsPasskey(undefined)).toBe(false);
  });

  it('signs blob URLs for the configured time', () => {
    const url = new URL(
      access(1_000_000).signBlobUrl(`http://r/docket/v1/blobs/${digest}`, digest),
    );
    const query = {
      expires: url.searchParams.get('expires') ?? undefined,
      sig: url.searchParams.get('sig') ?? undefined,
    };
    expect(query.expires).toBe(String(1000 + 60));
    expect(access(1_060_000).checkBlobUrl(digest, query)).toBe('valid');
    expect(access(1_061_000).checkBlobUrl(digest, query)).toBe('expired');
  });

  it('admits peers it was told announced', () => {
    const a = access();
    const peer = { infoHash: 'aa'.repeat(20), peerId: 'bb'.repeat(20), ip: '127.0.0.1' };
    expect(a.admits(peer)).toBe(false);
    a.admit(peer);
    expect(a.admits({ ...peer, ip: '::ffff:127.0.0.1' })).toBe(true);
  });
});
