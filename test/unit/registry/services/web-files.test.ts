import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebFiles } from '../../../../registry/services/web-files.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('WebFiles', () => {
  let dir: { dir: string; cleanup(): Promise<void> };
  let files: WebFiles;
  beforeAll(async () => {
    dir = await tempDir('docket-web-files-');
    const root = join(dir.dir, 'web');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html>');
    await writeFile(join(root, 'app-ABCD1234.js'), 'export {};');
    await writeFile(join(root, 'notes.txt'), 'no type');
    await writeFile(join(dir.dir, 'secret.js'), 'outside');
    files = new WebFiles(root);
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  it('serves a file with its type; hashed bundles cache for good, index.html does not', async () => {
    const index = await files.open('index.html');
    expect(index).toMatchObject({
      contentType: 'text/html; charset=utf-8',
      cacheControl: 'no-cache',
      size: 15,
    });
    expect(await text(index!.body)).toBe('<!doctype html>');
    const bundle = await files.open('app-ABCD1234.js');
    expect(bundle?.contentType).toBe('text/javascript; charset=utf-8');
    expect(bundle?.cacheControl).toBe('public, max-age=31536000, immutable');
    bundle?.body.destroy();
  });

  it('serves nothing outside the root, no folders, no unknown types, no missing files', async () => {
    for (const name of [
      '../secret.js',
      '..',
      'sub',
      'sub/x.js',
      '.hidden.js',
      'notes.txt',
      'missing.js',
      '/etc/passwd',
    ]) {
      expect(await files.open(name), name).toBeUndefined();
    }
  });

  it('serves nothing when the page was not built', async () => {
    expect(await new WebFiles(undefined).open('index.html')).toBeUndefined();
  });
});
