import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * The built web page's files (scripts/build-web.mjs writes them):
 *
 *   <root>/
 *     index.html          the page, names the bundle files below
 *     app-<hash>.js       bundle (preact, uPlot, the page)
 *     app-<hash>.css      stylesheet
 *
 * Bundle names carry a content hash, so they may be cached for good; index.html may not.
 */
export interface WebFile {
  body: Readable;
  size: number;
  contentType: string;
  cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

const HASHED_NAME = /-[A-Z0-9]{8}\.(js|css)$/;

export class WebFiles {
  private readonly root: string | undefined;

  /** `root` undefined: the page was not built, every file is missing. */
  constructor(root: string | undefined) {
    this.root = root && resolve(root);
  }

  /**
   * One file by its bare name; undefined when there is no such file, the name is not a
   * plain file name of a known type, or it would leave the root.
   */
  async open(name: string): Promise<WebFile | undefined> {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!this.root || !contentType || name.includes('/') || name.includes('\\')) return undefined;
    if (name.startsWith('.')) return undefined;
    const path = join(this.root, name);
    if (!path.startsWith(this.root + sep)) return undefined;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return {
      body: createReadStream(path),
      size: info.size,
      contentType,
      cacheControl: HASHED_NAME.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
  }
}
