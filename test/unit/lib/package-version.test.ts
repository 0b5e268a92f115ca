import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../../lib/package-version.js';

describe('packageVersion', () => {
  it("is the version in the repository's package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(packageVersion()).toBe(pkg.version);
  });
});
