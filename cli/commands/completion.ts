import { Command, Option, UsageError } from 'clipanion';
import { type CompletedCommand, completionScript } from '../output/completion.js';
import { DocketCommand } from './docket-command.js';

export class CompletionCommand extends DocketCommand {
  static override paths = [['completion']];

  static override usage = Command.Usage({
    description: 'print a shell completion script (bash or zsh)',
    details: `
      Completes command names and each command's flags. Load it in the current shell
      with \`eval\`, or save it where the shell looks for completions.
    `,
    examples: [
      ['bash, this shell', 'eval "$($0 completion bash)"'],
      ['bash, every shell', '$0 completion bash > /etc/bash_completion.d/docket'],
      ['zsh', '$0 completion zsh > ~/.zfunc/_docket  # a folder in $fpath'],
    ],
  });

  shell = Option.String({ name: 'bash|zsh' });

  async run(): Promise<number> {
    if (this.shell !== 'bash' && this.shell !== 'zsh')
      throw new UsageError(`no completion for "${this.shell}": bash or zsh`);
    this.context.stdout.write(completionScript(this.shell, commandsOf(this.cli.definitions())));
    return 0;
  }
}

type Definition = ReturnType<CompletionCommand['cli']['definitions']>[number];

/**
 * `docket pull` → `pull`; the built-in help/version entries (`-h`, `--version`) are left
 * out. Nested commands (`docket token create`, `token ls`…) become one command (`token`)
 * whose argument is one of their second words, with the flags of all of them.
 */
export function commandsOf(definitions: Definition[]): CompletedCommand[] {
  const out: CompletedCommand[] = [];
  for (const c of flatCommandsOf(definitions)) {
    const [first = '', second] = c.name.split(' ');
    if (second === undefined) {
      out.push(c);
      continue;
    }
    let group = out.find((g) => g.name === first);
    if (!group) {
      group = { name: first, description: `${first} commands`, flags: [], words: [] };
      out.push(group);
    }
    group.words?.push(second);
    for (const f of c.flags)
      if (!group.flags.some((g) => g.names.join() === f.names.join())) group.flags.push(f);
  }
  return out;
}

function flatCommandsOf(definitions: Definition[]): CompletedCommand[] {
  return definitions
    .map((d) => ({ d, name: d.path.split(' ').slice(1).join(' ') }))
    .filter(({ name }) => name !== '' && !name.startsWith('-'))
    .map(({ d, name }) => {
      const words = argumentWords(d.usage);
      return {
        name,
        description: d.description ?? '',
        flags: d.options.map((o) => {
          const [names = '', ...value] = o.definition.split(' ');
          const flags = names.split(',');
          const description = o.description ?? '';
          const takesValue = value.length > 0;
          // A flag on by default says how to turn it off (key-options.ts: `--no-direct: …`).
          const negated = flags
            .filter((f) => f.startsWith('--') && !takesValue)
            .map((f) => `--no-${f.slice(2)}`)
            .filter((f) => description.includes(f));
          return { names: [...flags, ...negated], description, takesValue };
        }),
        ...(words ? { words } : {}),
      };
    });
}

/** `docket cache … <ls|prune>` → `['ls', 'prune']`; undefined for a free argument (`<IMAGE[:TAG]>`). */
function argumentWords(usage: string): string[] | undefined {
  const choice = /<([^>]+)>\s*$/.exec(usage)?.[1];
  const words = choice?.split('|');
  return words && words.length > 1 && words.every((w) => /^[a-z][a-z0-9-]*$/.test(w))
    ? words
    : undefined;
}
