import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../registry/metadata/database.js';
import type { PostgresDb } from '../../../registry/metadata/postgres-db.js';
import { buildTestImage, runInImage } from '../../../testbed/images.js';
import { freshPostgresDatabase } from '../../helpers/metadata-engines.js';
import { type RegistryCli, runCli, startRegistryCli } from '../../helpers/run-cli.js';
import { layerFileSha, removeImages, tempCacheDir } from './cli-env.js';

const docker = new Docker();
const LAYER = { file: 'pg.bin', size: 2_000_000, seed: 'cli-pg' };

describe('docket registry --database postgres:// on PostgreSQL 15', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let registry: RegistryCli;
  let db: PostgresDb;
  let env: Record<string, string>;
  let ref: string;
  const created: string[] = [];

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    registry = await startRegistryCli('docket-pg-registry-', {
      args: ['--database', database.url],
    });
    db = await openPostgres(database.url, []);
    const token = (await readFile(join(registry.dataDir, 'admin-token'), 'utf8')).trim();
    env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: token };
    ref = `${new URL(registry.url).host}/cli-test/pg:v1`;
    await buildTestImage(docker, 'cli-test/pg:v1', [LAYER]);
    created.push('cli-test/pg:v1', ref);
  });

  afterAll(async () => {
    await removeImages(docker, created);
    await registry?.stop();
    db?.close();
    await database?.drop();
  });

  it('keeps the pushed tag, manifest, blobs and history in PostgreSQL, nothing in SQLite', async () => {
    const pushed = await runCli(['push', 'cli-test/pg:v1'], { env });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect(await readdir(registry.dataDir)).not.toContain('docket.db');
    const tag = db.get<{ manifest_digest: string }>(
      'SELECT manifest_digest FROM tags WHERE repository = ? AND tag = ?',
      'cli-test/pg',
      'v1',
    );
    expect(tag?.manifest_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const refs = db.all<{ kind: string; digest: string }>(
      'SELECT kind, digest FROM manifest_refs WHERE manifest_digest = ? ORDER BY position',
      tag?.manifest_digest as string,
    );
    // The config, then busybox's layer and the test layer.
    expect(refs.map((r) => r.kind)).toEqual(['config', 'layer', 'layer']);
    for (const r of refs)
      expect(db.get('SELECT 1 AS ok FROM blobs WHERE digest = ?', r.digest)).toEqual({ ok: 1 });
    expect(
      db.all('SELECT action, pushed_by FROM tag_history WHERE repository = ?', 'cli-test/pg'),
    ).toEqual([{ action: 'push', pushed_by: 'admin' }]);
    expect(db.get('SELECT scopes FROM tokens WHERE name = ?', 'admin')).toEqual({
      scopes: '["admin"]',
    });
    expect(
      db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version'),
    ).not.toEqual([]);
  });

  it('serves the pull from what PostgreSQL holds', async () => {
    await removeImages(docker, [ref, 'cli-test/pg:v1']);
    const pulled = await runCli(
      ['pull', '--seed-time', '0', '--cache-dir', await tempCacheDir(), 'cli-test/pg:v1'],
      { env },
    );
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    const out = await runInImage(docker, ref, ['sha256sum', `/data/${LAYER.file}`]);
    expect(out).toContain(layerFileSha(LAYER.seed, LAYER.size));
  });

  it('refuses a database URL it cannot parse with exit code 2, an unreachable one with 11, never printing the password', async () => {
    const bad = await runCli([
      'registry',
      '--database',
      'postgres://docket:hunter2@127.0.0.1:5432',
      '--port',
      '0',
    ]);
    expect(bad.exitCode, JSON.stringify(bad)).toBe(2);
    expect(bad.stderr).toContain('--database must be postgres://');
    expect(bad.stderr).not.toContain('hunter2');

    const url = new URL(database.url);
    url.password = 'hunter2';
    const wrong = await runCli([
      'registry',
      '--data-dir',
      await tempCacheDir(),
      '--database',
      url.toString(),
      '--port',
      '0',
    ]);
    expect(wrong.exitCode, JSON.stringify(wrong)).toBe(11);
    expect(wrong.stderr).toContain('password authentication failed');
    expect(wrong.stderr).not.toContain('hunter2');
  });
});
