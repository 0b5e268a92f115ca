import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { Cli } from 'clipanion';
import { describe, expect, it, vi } from 'vitest';
import { commandsOf } from '../../../../cli/commands/completion.js';
import { commands as docketCommands } from '../../../../cli/commands/index.js';
import { completionScript } from '../../../../cli/output/completion.js';
import { nameOptionValues } from '../../../../cli/output/help-text.js';

// clipanion's ES module build imports a directory, which Node refuses outside a bundle;
// its CommonJS build is the same code.
vi.mock('clipanion', () => createRequire(import.meta.url)('clipanion'));

function bashComplete(script: string, words: string[]): string {
  return execFileSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _docket; echo "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  ).trim();
}

const commands = [
  {
    name: 'pull',
    description: 'pull an image: [from] the swarm',
    flags: [
      { names: ['--registry'], description: 'registry URL', takesValue: true },
      {
        names: ['-q', '--quiet'],
        description: "print only the reference (it's short)",
        takesValue: false,
      },
    ],
  },
  { name: 'images', description: 'list images', flags: [] },
];

describe('completionScript', () => {
  it('bash: commands first, then the flags of the command typed; valid bash', () => {
    const script = completionScript('bash', commands);
    expect(script).toContain("compgen -W 'pull images'");
    expect(script).toContain("'pull') flags='--registry -q --quiet' ;;");
    expect(script).toContain('complete -o default -F _docket docket');
    execFileSync('bash', ['-n'], { input: script });
  });

  it('bash: completes `docket pu` and `docket pull --re`', () => {
    const script = completionScript('bash', commands);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _docket; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete(['docket', 'pu'])).toBe('pull');
    expect(complete(['docket', 'pull', '--re'])).toBe('--registry');
  });

  it('zsh: a _describe list and _arguments per command, separators escaped', () => {
    const script = completionScript('zsh', commands);
    expect(script.startsWith('#compdef docket\n')).toBe(true);
    expect(script).toContain("'pull:pull an image from the swarm'");
    expect(script).toContain("'--registry[registry URL]:value:'");
    expect(script).toContain(
      `'(-q --quiet)'{-q,--quiet}'[print only the reference (it'\\''s short)]'`,
    );
  });
});

describe("completion of docket's own commands", () => {
  const cli = new Cli({ binaryName: 'docket' });
  for (const command of docketCommands) cli.register(command);
  const docket = commandsOf(cli.definitions());

  it('bash: `cache <TAB>` offers ls and prune, `completion <TAB>` the shells; an image argument is left to files', () => {
    const script = completionScript('bash', docket);
    expect(bashComplete(script, ['docket', 'cache', ''])).toBe('ls prune');
    expect(bashComplete(script, ['docket', 'cache', 'p'])).toBe('prune');
    expect(bashComplete(script, ['docket', 'completion', ''])).toBe('bash zsh');
    expect(bashComplete(script, ['docket', 'pull', ''])).toBe('');
  });

  it('bash: the --no- form of a flag that is on by default', () => {
    const script = completionScript('bash', docket);
    expect(bashComplete(script, ['docket', 'pull', '--no-'])).toBe('--no-direct --no-engine-pull');
    expect(bashComplete(script, ['docket', 'registry', '--no-e'])).toBe('--no-embedded-tracker');
  });

  it('zsh: the words as the argument, the --no- form among the names', () => {
    const script = completionScript('zsh', docket);
    expect(script).toContain("'1:argument:(ls prune)'");
    expect(script).toMatch(/\{--direct,--no-direct\}/);
  });
});

describe('nameOptionValues', () => {
  it('replaces clipanion #0 placeholders and realigns the option table', () => {
    const help = [
      '$ docket pull [--registry #0] <IMAGE>',
      '',
      '  --registry #0    registry URL',
      '  -q,--quiet       no progress',
    ].join('\n');
    expect(nameOptionValues(help).split('\n')).toEqual([
      '$ docket pull [--registry <registry>] <IMAGE>',
      '',
      '  --registry <registry>    registry URL',
      '  -q,--quiet               no progress',
    ]);
  });
});
