import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the built web page (index.html and its bundle): dist/web beside
 * dist/registry once built, or the repository's dist/web when running from source under
 * the test runner. Undefined when the page was not built (`npm run build`).
 */
export function webRoot(): string | undefined {
  for (const dir of ['../web/', '../dist/web/']) {
    const url = new URL(dir, import.meta.url);
    if (existsSync(new URL('index.html', url))) return fileURLToPath(url);
  }
  return undefined;
}
