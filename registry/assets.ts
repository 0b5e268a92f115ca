import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Files that ship beside the code: package.json and the built web page (dist/web). This
 * module runs from dist/registry/ once built and from registry/ under the test runner,
 * so each is looked for at both depths.
 */
const CANDIDATE_ROOTS = ['../', '../../'];

/** The package's version, or '0.0.0' when package.json cannot be found. */
export function packageVersion(): string {
  for (const root of CANDIDATE_ROOTS) {
    const url = new URL(`${root}package.json`, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'docket' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}

/**
 * The folder holding the built web page (index.html and its bundle): dist/web beside
 * dist/registry, or the repository's dist/web when running from source. Undefined
 * when the page was not built (`npm run build`).
 */
export function webRoot(): string | undefined {
  for (const dir of ['../web/', '../dist/web/']) {
    const url = new URL(dir, import.meta.url);
    if (existsSync(new URL('index.html', url))) return fileURLToPath(url);
  }
  return undefined;
}
