import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInspection } from '../../../client/services/inspect.js';
import type { TagHistory } from '../../../lib/api/index.js';
import { sha256Digest } from '../../../lib/digest.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runCli } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { client } from './http.js';
import { configOf, layerBytes, pushLikeDocker } from './lifecycle-images.js';

/** The lifecycle commands' output, over images pushed through the HTTP API (no engine). */
describe('docket history / inspect / images --all', () => {
  let reg: TestRegistry;
  let env: Record<string, string>;
  const base = layerBytes('cli base', 5000);
  const sizeOf = (n: string) => configOf(n, [base, layerBytes(n, 3000)]).length + 8000;
  const SIZE_1 = sizeOf('1');
  const SIZE_2 = sizeOf('2');
  beforeAll(async () => {
    reg = await startTestRegistry();
    env = { DOCKET_REGISTRY: reg.url, DOCKET_TOKEN: reg.token };
    const api = client(reg);
    for (const n of ['1', '2']) {
      const layers = [base, layerBytes(n, 3000)];
      await pushLikeDocker(api, 'team/app', 'v1', configOf(n, layers), layers);
    }
    await pushLikeDocker(api, 'team/other', 'v1', configOf('o', [base]), [base]);
  });
  afterAll(() => reg?.close());

  const cli = async (args: string[], exitCode = 0) => {
    const result = await runCli(args, { env });
    expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(exitCode);
    return result;
  };

  it('prints the history of a tag, as a table and as JSON', async () => {
    const json = JSON.parse((await cli(['history', '--json', 'team/app:v1'])).stdout) as TagHistory;
    expect(json.history.map((h) => [h.action, h.pushedBy, h.size])).toEqual([
      ['push', 'admin', SIZE_2],
      ['push', 'admin', SIZE_1],
    ]);
    const quiet = (await cli(['history', '-q', 'team/app:v1'])).stdout;
    expect(quiet).toBe(json.history.map((h) => `${h.digest}\n`).join(''));
    const table = (await cli(['history', 'team/app:v1'])).stdout;
    expect(table).toMatch(/^WHEN\s+ACTION\s+DIGEST\s+BY\s+SIZE\n.+push\s+[0-9a-f]{12}\s+admin\s+8/);
  });

  it('inspects an image: config, layers and which other images share them', async () => {
    const info = JSON.parse(
      (await cli(['inspect', '--json', 'team/app:v1'])).stdout,
    ) as ImageInspection;
    expect(info.config).toMatchObject({ os: 'linux', architecture: 'amd64' });
    expect(info.layers.map((l) => l.sharedWith)).toEqual([['team/other:v1'], []]);
    expect(info.size).toBe(SIZE_2);
  });

  it('lists untagged manifests with images --all; a bad flag is a usage error', async () => {
    const all = JSON.parse((await cli(['images', '--all', '--json'])).stdout) as {
      repository: string;
      tag: string | null;
    }[];
    expect(all.map((i) => [i.repository, i.tag])).toEqual([
      ['team/app', 'v1'],
      ['team/other', 'v1'],
      ['team/app', null],
    ]);
    await cli(['gc', '--grace', 'soon'], 2);
    const missing = await cli(['rollback', '--steps', '5', 'team/app:v1'], 3);
    expect(missing.stderr).toMatch(
      /^docket: team\/app:v1 has \d+ earlier moves?: 5 back goes past the oldest \(`docket history team\/app:v1` lists them\)/,
    );
  });

  it('lists the blob cache and prunes it (partial downloads count)', async () => {
    const tmp = await tempDir();
    try {
      const dir = join(tmp.dir, 'cache');
      await mkdir(join(dir, 'blobs'), { recursive: true });
      await mkdir(join(dir, 'partial'), { recursive: true });
      const blob = layerBytes('cached', 3000);
      const hex = (b: Buffer | string) => sha256Digest(b).slice(7);
      await writeFile(join(dir, 'blobs', hex(blob)), blob);
      const stale = join(dir, 'partial', hex('stale'));
      await writeFile(stale, layerBytes('stale', 4096));
      const old = new Date(Date.now() - 2 * 3600_000);
      await utimes(stale, old, old);
      const ls = (await cli(['cache', 'ls', '--cache-dir', dir])).stdout;
      expect(ls).toMatch(/^DIGEST\s+SIZE\s+STATE\s+LAST USED\n/);
      expect(ls).toMatch(new RegExp(`${hex(blob).slice(0, 12)}\\s+3kB\\s+blob`));
      expect(ls).toMatch(/partial/);
      const pruned = JSON.parse(
        (await cli(['cache', 'prune', '--json', '--cache-dir', dir, '--cache-size', '1024']))
          .stdout,
      ) as { blobs: string[]; partials: string[]; bytes: number };
      expect(pruned).toEqual({
        blobs: [sha256Digest(blob)],
        partials: [sha256Digest('stale')],
        bytes: 3000 + 4096,
      });
      await cli(['cache', 'nothing', '--cache-dir', dir], 2);
    } finally {
      await tmp.cleanup();
    }
  });
});
