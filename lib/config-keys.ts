/**
 * Settings keys, each defined once: its command-line flag, its DOCKET_* environment
 * variable, its parser, its default and its help line. A table of keys (one per field
 * of a config object) is the single list from which a command's clipanion options
 * (client/commands/key-options.ts), the environment lookup (`valuesFromEnv`), the
 * config file's known keys and the help text are derived.
 */

/** A flag's or an environment variable's text that does not parse. */
export class InvalidValueError extends Error {
  constructor(
    /** The flag (`--port`) or environment variable (`DOCKET_PORT`) the value came from. */
    readonly source: string,
    readonly value: string,
    expected: string,
  ) {
    super(`${source} must be ${expected}, not "${value}"`);
    this.name = 'InvalidValueError';
  }
}

/** Parses the text of `source` (a flag or an environment variable); throws InvalidValueError. */
export type ValueParser<T> = (text: string, source: string) => T;

/** How a key appears on the command line: `--x VALUE`, `--x`/`--no-x`, or repeatable `--x VALUE`. */
export type FlagKind = 'string' | 'boolean' | 'list';

export interface ConfigKey<T> {
  kind: FlagKind;
  /** `--data-dir`; none when the key is set only by environment or file. */
  flag?: string;
  /** `DOCKET_DATA_DIR`; none when the key has no environment variable. */
  env?: string;
  /** One help line, without the default. */
  description: string;
  default: T;
  /** Parses one flag value (or, for `list`, the whole environment variable). */
  parse: ValueParser<T>;
}

/** One key per field of `C`. */
export type KeyTable<C> = { [K in keyof C]-?: ConfigKey<C[K]> };

export function parseInteger(
  text: string,
  source: string,
  range: { min?: number; max?: number } = {},
): number {
  const n = Number(text);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    const bounds =
      range.min === undefined && range.max === undefined
        ? 'an integer'
        : range.max === undefined
          ? `an integer >= ${min}`
          : `an integer from ${min} to ${max}`;
    throw new InvalidValueError(source, text, bounds);
  }
  return n;
}

/** A TCP/UDP port, 0-65535 (0: any free port). */
export function parsePort(text: string, source: string): number {
  try {
    return parseInteger(text, source, { min: 0, max: 65535 });
  } catch {
    throw new InvalidValueError(source, text, 'a port number (0-65535)');
  }
}

/** A number of seconds: > 0, or >= 0 with `allowZero`. */
export function parseSeconds(
  text: string,
  source: string,
  opts: { allowZero?: boolean } = {},
): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (n === 0 && !opts.allowZero))
    throw new InvalidValueError(source, text, opts.allowZero ? 'seconds >= 0' : 'seconds > 0');
  return n;
}

export function parseBoolean(text: string, source: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new InvalidValueError(source, text, 'true or false');
}

/** `10G`, `500M`, `1024` (bytes); binary units. */
export function parseSize(text: string, source: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new InvalidValueError(source, text, 'a size like 10G or 500M');
  const exp = ['', 'k', 'm', 'g', 't'].indexOf((m[2] ?? '').toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** exp);
}

/** Comma-separated, blanks dropped. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

type KeyOptions<T> = Omit<ConfigKey<T>, 'kind' | 'parse'>;

/** Constructors of the usual keys; `T` admits `undefined` for a key without a default. */
export const key = {
  string: <T extends string | undefined = string>(o: KeyOptions<T>): ConfigKey<T> => ({
    ...o,
    kind: 'string',
    parse: (text) => text as T,
  }),
  integer: <T extends number | undefined = number>(
    o: KeyOptions<T> & { min?: number },
  ): ConfigKey<T> => ({
    ...o,
    kind: 'string',
    parse: (text, source) => parseInteger(text, source, { min: o.min }) as T,
  }),
  port: <T extends number | undefined = number>(o: KeyOptions<T>): ConfigKey<T> => ({
    ...o,
    kind: 'string',
    parse: (text, source) => parsePort(text, source) as T,
  }),
  seconds: <T extends number | undefined = number>(
    o: KeyOptions<T> & { allowZero?: boolean },
  ): ConfigKey<T> => ({
    ...o,
    kind: 'string',
    parse: (text, source) => parseSeconds(text, source, { allowZero: o.allowZero }) as T,
  }),
  size: <T extends number | undefined = number>(o: KeyOptions<T>): ConfigKey<T> => ({
    ...o,
    kind: 'string',
    parse: (text, source) => parseSize(text, source) as T,
  }),
  boolean: (o: KeyOptions<boolean>): ConfigKey<boolean> => ({
    ...o,
    kind: 'boolean',
    parse: parseBoolean,
  }),
  list: (o: KeyOptions<string[]>): ConfigKey<string[]> => ({
    ...o,
    kind: 'list',
    parse: parseList,
  }),
};

/** The defaults of every key of `table`, as a config object. */
export function defaultsOf<C>(table: KeyTable<C>): C {
  const out: Record<string, unknown> = {};
  for (const [name, k] of Object.entries<ConfigKey<unknown>>(table))
    if (k.default !== undefined) out[name] = k.default;
  return out as C;
}

/** The keys of `table` whose environment variable is set and not empty, parsed. */
export function valuesFromEnv<C>(
  table: KeyTable<C>,
  env: Readonly<Record<string, string | undefined>>,
): Partial<C> {
  const out: Record<string, unknown> = {};
  for (const [name, k] of Object.entries<ConfigKey<unknown>>(table)) {
    const text = k.env === undefined ? undefined : env[k.env];
    if (k.env !== undefined && text !== undefined && text !== '') out[name] = k.parse(text, k.env);
  }
  return out as Partial<C>;
}

/** `DOCKET_PORT, DOCKET_HOST, ...`: the environment variables of `table`, for help text. */
export function envVarList<C>(table: KeyTable<C>): string {
  return Object.values<ConfigKey<unknown>>(table)
    .flatMap((k) => (k.env ? [k.kind === 'list' ? `${k.env} (comma-separated)` : k.env] : []))
    .join(', ');
}

/** A key's help line: `description (default X; $DOCKET_X)`. */
export function helpLine(k: ConfigKey<unknown>): string {
  const notes: string[] = [];
  const shown =
    typeof k.default === 'boolean'
      ? k.default
        ? 'on'
        : 'off'
      : Array.isArray(k.default)
        ? k.default.join(',')
        : k.default;
  if (shown !== undefined && shown !== '') notes.push(`default ${String(shown)}`);
  if (k.env) notes.push(`$${k.env}`);
  return notes.length > 0 ? `${k.description} (${notes.join('; ')})` : k.description;
}
