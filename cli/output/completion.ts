/**
 * Shell completion scripts for bash and zsh, generated from the commands' definitions
 * (clipanion's `cli.definitions()`): command names, then each command's flags.
 */
export interface CompletedCommand {
  /** `pull`; several words for nested paths are joined by a space. */
  name: string;
  description: string;
  /**
   * `--registry`, `-q`, `--quiet`…, with whether the flag takes a value. A flag that is on
   * by default lists its `--no-` form among its names (`--direct`, `--no-direct`).
   */
  flags: Array<{ names: string[]; description: string; takesValue: boolean }>;
  /** The words its argument is one of (`cache`: `ls`, `prune`); else file names are offered. */
  words?: string[];
}

export type Shell = 'bash' | 'zsh';

export function completionScript(shell: Shell, commands: CompletedCommand[]): string {
  return shell === 'bash' ? bashScript(commands) : zshScript(commands);
}

function bashScript(commands: CompletedCommand[]): string {
  const names = commands.map((c) => c.name).join(' ');
  const cases = commands
    .map((c) => {
      const flags = c.flags.flatMap((f) => f.names).join(' ');
      const words = c.words ? ` words=${singleQuote(c.words.join(' '))}` : '';
      return `    ${shellWord(c.name)}) flags=${singleQuote(flags)}${words} ;;`;
    })
    .join('\n');
  return `# bash completion for docket: eval "$(docket completion bash)"
_docket() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${singleQuote(names)} -- "$cur") )
    return
  fi
  local flags='' words=''
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
  elif [ -n "$words" ]; then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  fi
}
complete -o default -F _docket docket
`;
}

function zshScript(commands: CompletedCommand[]): string {
  const list = commands
    .map((c) => `    ${singleQuote(`${c.name}:${zshText(c.description)}`)}`)
    .join('\n');
  const cases = commands
    .map((c) => {
      const specs = c.flags.map((f) => {
        const text = zshText(f.description);
        const value = f.takesValue ? ':value:' : '';
        if (f.names.length === 1) return singleQuote(`${f.names[0]}[${text}]${value}`);
        // zsh brace expansion gives one spec per name, each excluding the others.
        return `${singleQuote(`(${f.names.join(' ')})`)}{${f.names.join(',')}}${singleQuote(`[${text}]${value}`)}`;
      });
      const argument = c.words
        ? singleQuote(`1:argument:(${c.words.join(' ')})`)
        : "'*:file:_files'";
      return `    ${shellWord(c.name)}) _arguments ${[...specs, argument].join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef docket
# zsh completion for docket: eval "$(docket completion zsh)", or save as _docket in $fpath
_docket() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  shift words
  (( CURRENT-- ))
  case "\${words[1]}" in
${cases}
  esac
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _docket "$@"
else
  compdef _docket docket
fi
`;
}

function singleQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A command name as a `case` pattern: its words joined by a space, quoted. */
function shellWord(name: string): string {
  return singleQuote(name);
}

/** zsh's _describe and _arguments use `:` and brackets as separators. */
function zshText(text: string): string {
  return text
    .replace(/[[\]:]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
