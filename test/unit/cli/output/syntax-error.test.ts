import { createRequire } from 'node:module';
import { Builtins, Cli } from 'clipanion';
import { describe, expect, it, vi } from 'vitest';
import { commands } from '../../../../cli/commands/index.js';
import { jsonError, wantsJson } from '../../../../cli/output/json-error.js';
import { closest, describeSyntaxError } from '../../../../cli/output/syntax-error.js';

// clipanion's ES module build imports a directory, which Node refuses outside a bundle;
// its CommonJS build is the same code.
vi.mock('clipanion', () => createRequire(import.meta.url)('clipanion'));

function syntaxError(argv: string[]): string | undefined {
  const cli = new Cli({ binaryName: 'docket' });
  cli.register(Builtins.HelpCommand);
  for (const command of commands) cli.register(command);
  try {
    cli.process(argv);
  } catch (err) {
    return describeSyntaxError(err);
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('describeSyntaxError', () => {
  it('names the unknown option, suggests the closest and shows the usage without #0', () => {
    const text = syntaxError(['images', '--jsn']) as string;
    expect(text.split('\n')[0]).toBe(
      'docket: unknown option --jsn for `docket images`; did you mean --json?',
    );
    expect(text).toContain('usage: docket images [--registry <registry>]');
    expect(text).not.toContain('#0');
    expect(text).not.toContain('Unknown Syntax Error');
  });

  it('suggests a negated boolean for --no-…, and nothing for a name far from all', () => {
    expect(syntaxError(['pull', '--no-direkt', 'app'])).toMatch(/did you mean --no-direct\?/);
    expect(syntaxError(['images', '--zzzzzzzz'])?.split('\n')[0]).toBe(
      'docket: unknown option --zzzzzzzz for `docket images`',
    );
  });

  it('finds the unknown one among known options and values', () => {
    expect(syntaxError(['pull', '--tag', 'x', '--platfrom', 'linux/arm64', 'app'])).toMatch(
      /unknown option --platfrom .*did you mean --platform\?/,
    );
    expect(syntaxError(['images', '-qx'])).toMatch(/unknown option -x for `docket images`/);
  });

  it('suggests the closest command', () => {
    expect(syntaxError(['pul', 'app'])?.split('\n')[0]).toBe(
      'docket: unknown command "pul"; did you mean `docket pull`?',
    );
  });

  it('keeps clipanion reason for other mistakes, in docket words', () => {
    const text = syntaxError(['images', 'extra']) as string;
    expect(text.split('\n')[0]).toBe(
      'docket: extraneous positional argument ("extra") for `docket images`',
    );
  });

  it('leaves other errors alone', () => {
    expect(describeSyntaxError(new Error('x'))).toBeUndefined();
  });
});

describe('closest', () => {
  it('takes typos and prefixes, not strangers', () => {
    expect(closest('--quite', ['--quiet', '--json'])).toBe('--quiet');
    expect(closest('--cache', ['--cache-dir', '--cache-size'])).toBe('--cache-dir');
    expect(closest('--xyz', ['--quiet', '--json'])).toBeUndefined();
  });
});

describe('json errors', () => {
  it('names the exit code', () => {
    expect(JSON.parse(jsonError(3, 'no such tag'))).toEqual({
      error: { code: 'NOT_FOUND', message: 'no such tag' },
    });
    expect(JSON.parse(jsonError(5, 'down')).error.code).toBe('REGISTRY_UNREACHABLE');
  });
  it('reads --json and --json-summary before --', () => {
    expect(wantsJson(['pull', '--json', 'x'])).toBe(true);
    expect(wantsJson(['pull', '--json-summary', 'x'])).toBe(true);
    expect(wantsJson(['pull', '--', '--json'])).toBe(false);
  });
});
