import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../../../lib/digest.js';
import { MediaType } from '../../../../lib/media-types.js';
import { DatabaseError } from '../../../../registry/metadata/db.js';
import type { Metadata } from '../../../../registry/metadata/metadata.js';
import { MIGRATIONS } from '../../../../registry/metadata/migrations.js';
import { ReferrerService } from '../../../../registry/services/referrers.js';
import type { MetadataEngine, TestDatabase } from '../../../helpers/metadata-engines.js';

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const SUBJECT = d('a');

function manifestBody(fields: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: SUBJECT, size: 2 },
      layers: [],
      ...fields,
    }),
  );
}

const blob = (digest: Digest, extra: { size?: number; diffId?: Digest | null } = {}) => ({
  digest,
  size: extra.size ?? 10,
  mediaType: null,
  diffId: extra.diffId ?? null,
  infoHash: `ih-${digest.slice(-4)}`,
  torrentInfo: Buffer.from([0, 1, 2, 255, 0]),
  pieceLength: 16384,
});

const manifest = (digest: Digest, content: Buffer = Buffer.from('{}')) => ({
  digest,
  mediaType: MediaType.ociManifest,
  content,
  configDigest: null,
});

/**
 * The contract of the metadata port (registry/metadata/): every records class and the
 * transaction, as each engine (SQLite, PostgreSQL) must meet it, with the same SQL.
 */
export function metadataSuite(engine: MetadataEngine): void {
  describe(`metadata: ${engine.name}`, () => {
    let db: TestDatabase;
    let m: Metadata;
    beforeEach(async () => {
      db = await engine.open();
      m = db.metadata;
    });
    afterEach(async () => {
      await db.dispose();
    });

    it('stores a blob as given (bytes, sizes past 4 GiB) and keeps the first record', () => {
      const big = 5 * 1024 ** 3 + 7;
      m.blobs.insert(blob(d('1'), { size: big }));
      m.blobs.insert({ ...blob(d('1')), size: 1, infoHash: 'other' });
      const got = m.blobs.get(d('1'));
      expect(got).toMatchObject({
        digest: d('1'),
        size: big,
        infoHash: 'ih-1111',
        pieceLength: 16384,
      });
      expect(got?.torrentInfo.equals(Buffer.from([0, 1, 2, 255, 0]))).toBe(true);
      expect(typeof got?.createdAt).toBe('string');
      expect(m.blobs.has(d('1'))).toBe(true);
      expect(m.blobs.has(d('2'))).toBe(false);
      expect(m.blobs.get(d('2'))).toBeUndefined();
      expect(m.blobs.count()).toBe(1);
      expect(m.blobs.totalSize()).toBe(big);
    });

    it('describes a blob without overwriting, and finds it by diff_id and infohash', () => {
      m.blobs.insert(blob(d('1')));
      m.blobs.describe(d('1'), { mediaType: 'application/x', diffId: d('9') });
      m.blobs.describe(d('1'), { mediaType: 'application/y' });
      m.blobs.describe(d('1'), {});
      expect(m.blobs.get(d('1'))).toMatchObject({ mediaType: 'application/x', diffId: d('9') });
      // An uncompressed layer is its own diff_id; a compressed one is preferred.
      m.blobs.insert(blob(d('9'), { diffId: d('9') }));
      expect(m.blobs.findByDiffId(d('9'))?.digest).toBe(d('1'));
      expect(m.blobs.findByInfoHash('ih-9999')?.digest).toBe(d('9'));
      expect(m.blobs.findByInfoHash('none')).toBeUndefined();
      expect(m.blobs.infoHashes()).toEqual(['ih-1111', 'ih-9999']);
    });

    it('dates each blob and manifest by its last use for gc', () => {
      m.blobs.insert(blob(d('1')));
      m.manifests.insert('r', manifest(d('2')), []);
      const [b] = m.blobs.ages();
      expect(b).toEqual({
        digest: d('1'),
        size: 10,
        infoHash: 'ih-1111',
        usedAt: expect.any(String),
      });
      expect(m.manifests.ages()).toEqual([{ digest: d('2'), usedAt: expect.any(String) }]);
      m.blobs.touch(d('1'));
      m.manifests.touch(d('2'));
      expect((m.blobs.ages()[0]?.usedAt as string) >= (b?.usedAt as string)).toBe(true);
      expect(m.manifests.untagged()).toEqual([
        { repository: 'r', digest: d('2'), usedAt: expect.any(String) },
      ]);
      m.tags.set('r', 'v1', d('2'), null);
      expect(m.manifests.untagged()).toEqual([]);
    });

    it('knows which repositories hold a blob: links, manifests, indexes two deep', () => {
      m.blobs.insert(blob(d('1')));
      m.blobs.link('up', d('1'));
      m.blobs.link('up', d('1'));
      expect(m.blobs.holders(d('1'))).toEqual(['up']);
      expect(m.blobs.isReferenced(d('1'))).toBe(false);
      m.manifests.insert('img', manifest(d('2')), [{ kind: 'layer', digest: d('1') }]);
      m.manifests.insert('idx', manifest(d('3')), [{ kind: 'manifest', digest: d('2') }]);
      m.manifests.insert('idx2', manifest(d('4')), [{ kind: 'manifest', digest: d('3') }]);
      m.manifests.insert('idx3', manifest(d('5')), [{ kind: 'manifest', digest: d('4') }]);
      expect(m.blobs.isReferenced(d('1'))).toBe(true);
      // idx3 names an index of an index: deeper than a manifest put allows.
      expect(m.blobs.holders(d('1'))).toEqual(['idx', 'idx2', 'img', 'up']);
      for (const repo of ['idx', 'idx2', 'img', 'up'])
        expect(m.blobs.heldBy(repo, d('1'))).toBe(true);
      expect(m.blobs.heldBy('idx3', d('1'))).toBe(false);
      expect(m.blobs.delete(d('1'))).toBe(true);
      expect(m.blobs.delete(d('1'))).toBe(false);
      expect(m.blobs.holders(d('1'))).toEqual(['idx', 'idx2', 'img']);
    });

    it('stores a manifest with what it names, once, in each repository that pushes it', () => {
      const content = Buffer.from('{"schemaVersion":2}');
      const refs = [
        { kind: 'config' as const, digest: d('c') },
        { kind: 'layer' as const, digest: d('1') },
        { kind: 'layer' as const, digest: d('0') },
      ];
      m.manifests.insert('a', manifest(d('2'), content), refs);
      m.manifests.insert('b', manifest(d('2'), content), refs);
      expect(m.manifests.get(d('2'))?.content.equals(content)).toBe(true);
      expect(m.manifests.getInRepository('a', d('2'))?.digest).toBe(d('2'));
      expect(m.manifests.getInRepository('c', d('2'))).toBeUndefined();
      expect(m.manifests.has(d('2'))).toBe(true);
      expect(m.manifests.size(d('2'))).toBe(content.length);
      expect(m.manifests.size(d('3'))).toBeUndefined();
      expect(m.manifests.sizeInRepository('a', d('2'))).toBe(content.length);
      expect(m.manifests.sizeInRepository('c', d('2'))).toBeUndefined();
      expect(m.manifests.refs(d('2'))).toEqual(refs);
      expect(m.manifests.hasRepository('b')).toBe(true);
      expect(m.manifests.unlink('b', d('2'))).toBe(true);
      expect(m.manifests.unlink('b', d('2'))).toBe(false);
      expect(m.manifests.hasRepository('b')).toBe(false);
      m.manifests.delete(d('2'));
      expect(m.manifests.get(d('2'))).toBeUndefined();
      expect(m.manifests.refs(d('2'))).toEqual([]);
    });

    it('orders and pages names bytewise, as the distribution spec lists them', () => {
      for (const repo of ['b', 'B', 'a/z', 'a']) m.manifests.insert(repo, manifest(d('2')), []);
      expect(m.manifests.repositories(10)).toEqual(['B', 'a', 'a/z', 'b']);
      expect(m.manifests.repositories(2, 'a')).toEqual(['a/z', 'b']);
      for (const tag of ['v1', 'V2', 'latest', '1.0', 'v1_x', 'v1-x'])
        m.tags.set('a', tag, d('2'), null);
      expect(m.tags.list('a', 10)).toEqual(['1.0', 'V2', 'latest', 'v1', 'v1-x', 'v1_x']);
      expect(m.tags.list('a', 2, 'V2')).toEqual(['latest', 'v1']);
      expect(m.tags.all().map((t) => `${t.repository}:${t.tag}`)).toEqual(
        ['1.0', 'V2', 'latest', 'v1', 'v1-x', 'v1_x'].map((t) => `a:${t}`),
      );
    });

    it('moves tags and keeps their history, newest first, across reopening', async () => {
      m.manifests.insert('r', manifest(d('1')), []);
      m.manifests.insert('r', manifest(d('2')), []);
      m.tags.set('r', 'v1', d('1'), 'admin');
      m.tags.set('r', 'v1', d('2'), 'ci');
      m.tags.set('r', 'v1', d('1'), 'admin', 'rollback');
      m.tags.set('r', 'v2', d('1'), null);
      m = await db.reopen();
      expect(m.tags.get('r', 'v1')).toMatchObject({ manifestDigest: d('1'), repository: 'r' });
      expect(
        m.tags.history('r', 'v1').map((h) => [h.manifestDigest, h.pushedBy, h.action]),
      ).toEqual([
        [d('1'), 'admin', 'rollback'],
        [d('2'), 'ci', 'push'],
        [d('1'), 'admin', 'push'],
      ]);
      expect(m.tags.delete('r', 'v2', 'ops')).toBe(true);
      expect(m.tags.delete('r', 'v2')).toBe(false);
      expect(m.tags.history('r', 'v2')[0]).toMatchObject({ action: 'delete', pushedBy: 'ops' });
      m.tags.set('r', 'v3', d('1'), null);
      m.tags.deleteByDigest('r', d('1'));
      expect(m.tags.list('r', 10)).toEqual([]);
    });

    it('lists referrers by subject and artifact type, in digest order, and forgets them', () => {
      const digests: Digest[] = [];
      for (let i = 0; i < 5; i++) {
        const body = manifestBody({ annotations: { i: String(i) } });
        const digest = d(String(i));
        digests.push(digest);
        m.manifests.insert('r', manifest(digest, body), [], {
          digest: SUBJECT,
          artifactType: i === 4 ? null : 'application/sig',
          ...(i === 0 ? { annotations: { i: '0' } } : {}),
        });
      }
      const service = new ReferrerService(m);
      const first = service.list('r', SUBJECT, { n: 2 });
      expect(first.index.manifests.map((x) => x.digest)).toEqual(digests.slice(0, 2));
      expect(first.index.manifests[0]?.annotations).toEqual({ i: '0' });
      expect(first.next).toBe(digests[1]);
      const last = service.list('r', SUBJECT, { n: 2, last: digests[3] });
      expect(last.index.manifests.map((x) => x.digest)).toEqual(digests.slice(4));
      expect(last.next).toBeUndefined();
      expect(
        service.list('r', SUBJECT, { artifactType: 'application/sig' }).index.manifests,
      ).toHaveLength(4);
      expect(service.list('r', SUBJECT, { artifactType: 'other' }).index.manifests).toEqual([]);
      expect(m.manifests.referrers('other', SUBJECT, { limit: 10 })).toEqual([]);
      m.manifests.delete(digests[0] as Digest);
      expect(m.manifests.referrersOf(SUBJECT).sort()).toEqual(digests.slice(1));
    });

    it('keeps tokens: unique names, ids never reused, secrets kept unless the hash changes', () => {
      const t = { name: 'ci', hash: 'h1', scopes: ['pull:**'], secret: 's1', expiresAt: null };
      const ci = m.tokens.insert(t);
      expect(ci).toMatchObject({ name: 'ci', scopes: ['pull:**'], secret: 's1', lastUsedAt: null });
      expect(typeof ci.id).toBe('number');
      let err: unknown;
      try {
        m.tokens.insert({ ...t, hash: 'h2' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DatabaseError);
      expect(m.tokens.findByHash('h1')?.id).toBe(ci.id);
      expect(m.tokens.findById(ci.id)?.name).toBe('ci');
      m.tokens.touch(ci.id, '2026-01-01T00:00:00.000Z');
      expect(m.tokens.findByName('ci')?.lastUsedAt).toBe('2026-01-01T00:00:00.000Z');
      expect(m.tokens.rotate('ci', 'h3', 's3')).toBe(true);
      expect(m.tokens.rotate('nope', 'h3', 's3')).toBe(false);
      expect(m.tokens.findByHash('h3')?.secret).toBe('s3');
      m.tokens.upsert('admin', 'ha', ['admin'], 'sa');
      m.tokens.upsert('admin', 'ha', ['admin'], 'sb');
      expect(m.tokens.findByName('admin')?.secret).toBe('sa');
      m.tokens.upsert('admin', 'hb', ['admin'], 'sc');
      expect(m.tokens.findByName('admin')).toMatchObject({ secret: 'sc', scopes: ['admin'] });
      expect(m.tokens.list().map((x) => x.name)).toEqual(['ci', 'admin']);
      expect(m.tokens.delete('ci')).toBe(true);
      expect(m.tokens.delete('ci')).toBe(false);
      const again = m.tokens.insert(t);
      expect(again.id).toBeGreaterThan(ci.id);
    });

    it('commits a transaction whole, rolls it back whole, nests as savepoints', () => {
      m.transaction(() => {
        m.blobs.insert(blob(d('1')));
        m.blobs.link('r', d('1'));
      });
      expect(m.blobs.holders(d('1'))).toEqual(['r']);
      const boom = new Error('boom');
      expect(() =>
        m.transaction(() => {
          m.blobs.insert(blob(d('2')));
          throw boom;
        }),
      ).toThrow(boom);
      expect(m.blobs.has(d('2'))).toBe(false);
      const out = m.transaction(() => {
        m.blobs.insert(blob(d('3')));
        expect(() =>
          m.transaction(() => {
            m.blobs.insert(blob(d('4')));
            throw boom;
          }),
        ).toThrow(boom);
        return m.blobs.count();
      });
      expect(out).toBe(2);
      expect([m.blobs.has(d('3')), m.blobs.has(d('4'))]).toEqual([true, false]);
      // A failed statement inside fails the transaction, not the connection.
      expect(() =>
        m.transaction(() => {
          m.tokens.insert({ name: 'x', hash: 'h', scopes: [], secret: 's', expiresAt: null });
          m.tokens.insert({ name: 'x', hash: 'h2', scopes: [], secret: 's', expiresAt: null });
        }),
      ).toThrow(DatabaseError);
      expect(m.tokens.list()).toEqual([]);
      expect(m.blobs.count()).toBe(2);
    });

    it('tryLock: one connection holds a key at a time on PostgreSQL; SQLite always grants', async () => {
      const second = await db.connect();
      expect(m.db.tryLock('docket.test')).toBe(true);
      expect(second.tryLock('docket.test')).toBe(engine.name === 'sqlite');
      expect(second.tryLock('docket.other')).toBe(true);
      second.unlock('docket.other');
      m.db.unlock('docket.test');
      expect(second.tryLock('docket.test')).toBe(true);
      expect(m.db.tryLock('docket.test')).toBe(engine.name === 'sqlite');
      second.unlock('docket.test');
    });

    it('applies each migration once, a late lower number too, and keeps data', async () => {
      m.blobs.insert(blob(d('1')));
      const extra = [
        ...MIGRATIONS,
        { version: 1000, sql: 'CREATE TABLE t1000 (x INTEGER)' },
        { version: 999, sql: 'CREATE TABLE t999 (x INTEGER)' },
      ];
      const second = await db.connect(extra);
      second.run('INSERT INTO t999 (x) VALUES (?)', 7);
      m = await db.reopen(extra);
      expect(m.blobs.has(d('1'))).toBe(true);
      const versions = m.db
        .all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
        .map((r) => r.version);
      expect(versions).toEqual([...MIGRATIONS.map((x) => x.version), 999, 1000]);
      expect(m.db.get('SELECT x FROM t999')).toEqual({ x: 7 });
    });
  });
}
