import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { commands } from '../../../../cli/commands/index.js';

// clipanion's ES module build imports a directory, which Node refuses outside a bundle;
// its CommonJS build is the same code.
vi.mock('clipanion', () => createRequire(import.meta.url)('clipanion'));

describe("every command's help text", () => {
  it('has no line of its details starting with "-" (clipanion makes it a list item and breaks the paragraph)', () => {
    const offending = commands.flatMap((command) =>
      (command.usage?.details ?? '')
        .split('\n')
        .filter((line) => /^\s*-/.test(line))
        .map((line) => `${command.paths?.[0]?.join(' ')}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });
});
