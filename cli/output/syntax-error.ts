import { nameOptionValues } from './help-text.js';
import { ExitCode } from '../exit-codes.js';
import { jsonError, wantsJson } from './json-error.js';

/**
 * clipanion answers a command line it cannot match with an `UnknownSyntaxError`: its
 * message is "Unknown Syntax Error: Unsupported option name" and every usage with `#0`
 * placeholders. This says instead which option or command is unknown, the closest known
 * one, and the one usage line that applies:
 *
 * ```
 * docket: unknown option --jsn for `docket images`; did you mean --json?
 * usage: docket images [--registry <registry>] [-a,--all] [-q,--quiet] [--json]
 * ```
 * It reads the error's fields (`input`, `candidates`), never its message.
 */
export interface SyntaxErrorLike {
  name: string;
  input: string[];
  candidates: { usage: string; reason: string | null }[];
}

/** The user-facing text for clipanion's UnknownSyntaxError; undefined for anything else. */
export function describeSyntaxError(err: unknown): string | undefined {
  if (!isUnknownSyntaxError(err)) return undefined;
  const input = err.input.filter((token) => typeof token === 'string' && token !== '\u0000');
  const usages = err.candidates.map((c) => parseUsage(c.usage));
  const paths = new Set(usages.map((u) => u.path.join(' ')));
  const first = usages[0];
  const candidate = err.candidates[0];
  if (!first || !candidate || paths.size !== 1 || first.path.length === 0)
    return unknownCommand(input, usages);
  const command = ['docket', ...first.path].join(' ');
  const usage = `usage: ${nameOptionValues(candidate.usage)}\n`;
  const unknown = unknownOptions(input.slice(first.path.length), first);
  if (unknown) {
    const suggestion = closest(unknown, optionNames(first, unknown.startsWith('--no-')));
    const hint = suggestion ? `; did you mean ${suggestion}?` : '';
    return `docket: unknown option ${unknown} for \`${command}\`${hint}\n${usage}`;
  }
  const reason = nameOptionValues(candidate.reason ?? 'cannot read these arguments')
    .replace(/\.$/, '')
    .replace(/^./, (c) => c.toLowerCase());
  return `docket: ${reason} for \`${command}\`\n${usage}`;
}

function isUnknownSyntaxError(err: unknown): err is SyntaxErrorLike {
  const e = err as Partial<SyntaxErrorLike> | null;
  return e?.name === 'UnknownSyntaxError' && Array.isArray(e.input) && Array.isArray(e.candidates);
}

interface Usage {
  /** The command's words: `['cache']`, `['pull']`; empty for `docket -h`. */
  path: string[];
  /** Each option's names (`['-q', '--quiet']`) and whether it takes a value. */
  options: { names: string[]; takesValue: boolean }[];
}

function parseUsage(usage: string): Usage {
  const words = usage.split(' ').slice(1);
  const path: string[] = [];
  for (const word of words) {
    if (!/^[a-z][a-z0-9-]*$/.test(word)) break;
    path.push(word);
  }
  const options = [...usage.matchAll(/\[(-[^\]\s]+)( #\d+)?\]/g)].map((m) => ({
    names: (m[1] as string).split(','),
    takesValue: m[2] !== undefined,
  }));
  return { path, options };
}

/** The first option in `args` the usage does not know (`--jsn`, `-x` of `-qx`). */
function unknownOptions(args: string[], usage: Usage): string | undefined {
  const known = new Map<string, boolean>();
  for (const option of usage.options) {
    for (const name of option.names) {
      known.set(name, option.takesValue);
      if (!option.takesValue && name.startsWith('--')) known.set(`--no-${name.slice(2)}`, false);
    }
  }
  known.set('-h', false).set('--help', false);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return undefined;
    if (!arg.startsWith('-') || arg === '-') continue;
    const name = arg.split('=')[0] as string;
    const flags = /^-[a-zA-Z]{2,}$/.test(name) ? [...name.slice(1)].map((c) => `-${c}`) : [name];
    for (const flag of flags) if (!known.has(flag)) return flag;
    if (known.get(name) === true && !arg.includes('=')) i++;
  }
  return undefined;
}

function optionNames(usage: Usage, negated: boolean): string[] {
  const names = usage.options.flatMap((o) =>
    o.names.filter((n) => n.startsWith('--') && (!negated || !o.takesValue)),
  );
  return negated ? names.map((n) => `--no-${n.slice(2)}`) : [...names, '--help'];
}

function unknownCommand(input: string[], usages: Usage[]): string {
  const typed = input.find((token) => !token.startsWith('-'));
  const help = 'Run `docket --help` for the list of commands.\n';
  if (typed === undefined) {
    const option = input.find((token) => token.startsWith('-')) ?? '';
    return `docket: unknown option ${option}\n${help}`;
  }
  const commands = [...new Set(usages.map((u) => u.path[0]).filter((w) => w !== undefined))];
  const suggestion = closest(typed, commands as string[]);
  const hint = suggestion ? `; did you mean \`docket ${suggestion}\`?` : '';
  return `docket: unknown command "${typed}"${hint}\n${help}`;
}

/** The candidate nearest `word` by edit distance, when near enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = candidate.startsWith(word) && word.length > 2 ? 0.5 : editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const bare = word.replace(/^-+(no-)?/, '');
  const allowed = bare.length <= 3 ? 1 : Math.min(3, Math.max(2, Math.floor(bare.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(substitution, (previous[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/**
 * Writes a command line's syntax error: the text above (or `fallback`, clipanion's own
 * text, for other errors) on stderr and, with `--json`, its first line as a JSON error
 * document on stdout (json-error.ts).
 */
export function reportSyntaxError(
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  argv: readonly string[],
  err: unknown,
  fallback: string,
): void {
  const text = describeSyntaxError(err) ?? fallback;
  streams.stderr.write(text);
  if (!wantsJson(argv)) return;
  const message = (text.split('\n')[0] as string).replace(/^docket: |^Unknown Syntax Error: /, '');
  streams.stdout.write(jsonError(ExitCode.usage, message));
}
