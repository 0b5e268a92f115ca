import { existsSync, readFileSync } from 'node:fs';

/**
 * Where package.json sits from this module: one folder up from lib/ under the test
 * runner, two from dist/lib/ and from the CLI bundle's dist/bundle/ once built.
 */
const CANDIDATES = ['../package.json', '../../package.json'];

/** docket's version from its package.json, or '0.0.0' when that cannot be found. */
export function packageVersion(): string {
  for (const candidate of CANDIDATES) {
    const url = new URL(candidate, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'docket' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}
