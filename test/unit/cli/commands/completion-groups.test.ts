import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';

// clipanion's ES module build imports a directory, which Node refuses outside a bundle;
// its CommonJS build is the same code.
vi.mock('clipanion', () => createRequire(import.meta.url)('clipanion'));

describe('completion of nested commands', () => {
  it('offers `token` once, then create, ls, revoke, rotate with their flags', async () => {
    const { Cli } = await import('clipanion');
    const { commands } = await import('../../../../cli/commands/index.js');
    const { commandsOf } = await import('../../../../cli/commands/completion.js');
    const cli = new Cli({ binaryName: 'docket' });
    for (const c of commands) cli.register(c);
    const completed = commandsOf(cli.definitions());
    const token = completed.filter((c) => c.name.startsWith('token'));
    expect(token.map((c) => c.name)).toEqual(['token']);
    expect(token[0]?.words).toEqual(['create', 'ls', 'revoke', 'rotate']);
    expect(token[0]?.flags.flatMap((f) => f.names)).toContain('--scope');
  });
});
