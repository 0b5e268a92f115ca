import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../../../registry/metadata/database.js';
import { Metadata } from '../../../../registry/metadata/metadata.js';
import { MIGRATIONS } from '../../../../registry/metadata/migrations.js';
import { hashToken, TokenService } from '../../../../registry/services/tokens.js';
import {
  TokenExistsError,
  TokenInvalidError,
  TokenUnknownError,
} from '../../../../registry/errors.js';

describe('TokenService', () => {
  let dir: string;
  let metadata: Metadata;
  let now: number;
  let tokens: TokenService;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-test-tokens-'));
    metadata = Metadata.open(join(dir, 'docket.db'));
    now = Date.parse('2026-01-01T00:00:00Z');
    tokens = new TokenService(metadata, {
      now: () => now,
      checkEveryMs: 20,
      accessTokenKey: Buffer.alloc(32, 3),
    });
  });
  afterEach(async () => {
    tokens.close();
    metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates with scopes and expiry, verifies, lists without secrets', () => {
    const made = tokens.create({ name: 'ci', scopes: ['push:team/app'], expiresInSeconds: 60 });
    expect(tokens.verify(made.token)?.name).toBe('ci');
    expect(tokens.list()).toEqual([
      {
        name: 'ci',
        scopes: ['push:team/app'],
        createdAt: expect.any(String),
        expiresAt: '2026-01-01T00:01:00.000Z',
        lastUsedAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    now += 60_000;
    expect(tokens.verify(made.token)).toBeUndefined();
    expect(() => tokens.create({ name: 'ci', scopes: ['pull:**'] })).toThrow(TokenExistsError);
    for (const bad of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['pull:Team'] },
      { name: '../x', scopes: ['pull:**'] },
      { name: 'admin', scopes: ['pull:**'] },
      { name: 'x', scopes: ['pull:**'], expiresInSeconds: 0 },
    ])
      expect(() => tokens.create(bad), JSON.stringify(bad)).toThrow(TokenInvalidError);
  });

  it('rotate gives a new value and secret; revoke deletes; both tell watchers at once', () => {
    const made = tokens.create({ name: 'ci', scopes: ['pull:**'] });
    const active = tokens.verify(made.token);
    if (!active) throw new Error('not active');
    const ended = vi.fn();
    tokens.watch(active, ended);
    const rotated = tokens.rotate('ci');
    expect(ended).toHaveBeenCalledTimes(1);
    expect(tokens.verify(made.token)).toBeUndefined();
    const again = tokens.verify(rotated.token);
    expect(again?.secret).not.toBe(active.secret);
    if (!again) throw new Error('not active');
    tokens.watch(again, ended);
    tokens.revoke('ci');
    expect(ended).toHaveBeenCalledTimes(2);
    expect(tokens.verify(rotated.token)).toBeUndefined();
    expect(() => tokens.revoke('ci')).toThrow(TokenUnknownError);
    expect(() => tokens.rotate('admin')).toThrow(TokenInvalidError);
  });

  it('watchers hear of an expiry at the next periodic check', async () => {
    const made = tokens.create({ name: 'ci', scopes: ['pull:**'], expiresInSeconds: 1 });
    const active = tokens.verify(made.token);
    if (!active) throw new Error('not active');
    const ended = new Promise<void>((resolve) => tokens.watch(active, resolve));
    now += 1000;
    await ended;
  });

  it('the admin token holds admin; a changed admin-token file is a rotation', async () => {
    const file = join(dir, 'admin-token');
    const first = await tokens.ensureAdminToken(file);
    const admin = tokens.verify(first.token as string);
    expect(admin?.scopes).toEqual([{ kind: 'admin' }]);
    await tokens.ensureAdminToken(file);
    expect(tokens.verify(first.token as string)?.secret).toBe(admin?.secret);
    metadata.tokens.upsert('admin', hashToken('new value'), ['admin'], 'new secret');
    expect(tokens.verify('new value')?.secret).toBe('new secret');
  });
  it('a registry whose database holds an admin token already keeps it', async () => {
    const first = await tokens.ensureAdminToken(join(dir, 'admin-token'));
    expect(first.created).toBe(true);
    const other = new TokenService(metadata);
    const replicaFile = join(dir, 'replica-admin-token');
    expect(await other.ensureAdminToken(replicaFile)).toEqual({
      token: undefined,
      created: false,
    });
    await expect(readFile(replicaFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(other.verify(first.token as string)?.scopes).toEqual([{ kind: 'admin' }]);
    // With the first registry's file copied in, the replica holds the same token.
    await writeFile(replicaFile, `${first.token}\n`);
    expect((await other.ensureAdminToken(replicaFile)).token).toBe(first.token);
    expect(tokens.verify(first.token as string)?.scopes).toEqual([{ kind: 'admin' }]);
  });

  it('access tokens hold the granted access only, for 300 s, and die with their token', () => {
    const made = tokens.create({ name: 'ci', scopes: ['push:team/*'] });
    const from = tokens.verify(made.token);
    if (!from) throw new Error('no token');
    const issue = () =>
      tokens.issueAccessToken(from, [{ name: 'team/app', actions: ['pull'] }]) as string;
    const access = tokens.verify(issue());
    expect(access?.name).toBe('ci');
    expect(access?.scopes).toEqual([{ kind: 'repository', action: 'pull', pattern: 'team/app' }]);
    expect(access?.issuedFrom?.scopes).toEqual(from.scopes);
    // One issued from an access token is no wider than it.
    expect(tokens.verify(tokens.issueAccessToken(access!, []) as string)?.scopes).toEqual([]);

    const late = issue();
    now += 300_000;
    expect(tokens.verify(late)).toBeUndefined();

    const rotatedAway = issue();
    const rotated = tokens.rotate('ci');
    expect(tokens.verify(rotatedAway)).toBeUndefined();
    const fresh = tokens.issueAccessToken(tokens.verify(rotated.token)!, []) as string;
    expect(tokens.verify(fresh)?.name).toBe('ci');
    tokens.revoke('ci');
    expect(tokens.verify(fresh)).toBeUndefined();
  });
});

describe('migration 5 (scoped tokens)', () => {
  it('gives tokens made before scopes pull/push/delete everywhere, the admin token admin, each its own secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-test-tokens-'));
    try {
      const db = new Database(join(dir, 'old.db'));
      migrate(
        db,
        MIGRATIONS.filter((m) => m.version < 5),
      );
      const insert = db.prepare('INSERT INTO tokens (name, hash, created_at) VALUES (?, ?, ?)');
      insert.run('admin', 'h1', '2025-01-01T00:00:00Z');
      insert.run('ci', 'h2', '2025-01-01T00:00:00Z');
      migrate(db, MIGRATIONS);
      const rows = db.prepare('SELECT name, scopes, secret FROM tokens ORDER BY id').all() as {
        name: string;
        scopes: string;
        secret: string;
      }[];
      expect(rows.map((r) => [r.name, JSON.parse(r.scopes)])).toEqual([
        ['admin', ['admin']],
        ['ci', ['pull:**', 'push:**', 'delete:**']],
      ]);
      expect(rows[0]?.secret).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]?.secret).not.toBe(rows[1]?.secret);
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
