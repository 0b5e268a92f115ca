import { createRequire } from 'node:module';
import { type BaseContext, Cli, type CommandClass } from 'clipanion';
import { describe, expect, it, vi } from 'vitest';
import { AGENT_KEYS, AgentCommand } from '../../../../cli/commands/agent.js';
import { CacheCommand } from '../../../../cli/commands/cache.js';
import { settingsOf } from '../../../../cli/commands/key-options.js';
import { PULL_KEYS, PullCommand } from '../../../../cli/commands/pull.js';
import { SEED_KEYS, SeedCommand } from '../../../../cli/commands/seed.js';
import { CACHE_KEYS } from '../../../../client/cache-keys.js';
import type { KeyTable } from '../../../../lib/config-keys.js';

// clipanion's ES module build imports a directory, which Node refuses outside a bundle;
// its CommonJS build is the same code.
vi.mock('clipanion', () => createRequire(import.meta.url)('clipanion'));

const GiB = 1024 ** 3;

type Entry = [string, CommandClass<BaseContext>, KeyTable<{ cacheBytes: number }>, string[]];

const COMMANDS: Entry[] = [
  ['pull', PullCommand as CommandClass<BaseContext>, PULL_KEYS, ['pull', 'app:v1']],
  ['agent', AgentCommand as CommandClass<BaseContext>, AGENT_KEYS, ['agent']],
  ['seed', SeedCommand as CommandClass<BaseContext>, SEED_KEYS, ['seed']],
  ['cache', CacheCommand as CommandClass<BaseContext>, CACHE_KEYS, ['cache', 'prune']],
];

function cacheBytes(
  [, command, table, args]: Entry,
  flags: string[],
  env: Record<string, string>,
): number {
  const cli = Cli.from([command]);
  const parsed = cli.process([...args, ...flags], Cli.defaultContext);
  return settingsOf(parsed, table, env).cacheBytes;
}

describe('the blob cache limit', () => {
  it.each(COMMANDS)('is the same key in %s: DOCKET_CACHE_SIZE, else 10 GiB', (...entry) => {
    expect(cacheBytes(entry, [], { DOCKET_CACHE_SIZE: '5G' })).toBe(5 * GiB);
    expect(cacheBytes(entry, [], {})).toBe(10 * GiB);
    expect(cacheBytes(entry, ['--cache-size', '2G'], { DOCKET_CACHE_SIZE: '5G' })).toBe(2 * GiB);
  });
});
