import { type DurationUnit, durationIn, formatDuration, unitName } from './duration.js';
import { formatRate, rateIn } from './rate.js';

/**
 * Settings keys, each defined once: its command-line flag, its DOCKET_* environment
 * variable, its parser, its default and its help line. A table of keys (one per field
 * of a config object) is the single list from which a command's clipanion options
 * (cli/commands/key-options.ts), the environment lookup (`valuesFromEnv`), the config
 * file's reading (`valuesFromFile`) and the help text are derived. Every source goes
 * through the key's parser.
 */

/** A flag's, an environment variable's or a config file's value that does not parse. */
export class InvalidValueError extends Error {
  constructor(
    /**
     * The flag (`--port`), environment variable (`DOCKET_PORT`) or file key
     * (`config file /etc/docket.json: port`) the value came from.
     */
    readonly source: string,
    readonly value: string,
    expected: string,
  ) {
    super(`${source} must be ${expected}, not "${value}"`);
    this.name = 'InvalidValueError';
  }
}

/** A config file key that no key of the table has. */
export class UnknownKeyError extends Error {
  constructor(
    /** `config file /etc/docket.json`. */
    readonly source: string,
    readonly key: string,
  ) {
    super(`${source}: unknown key "${key}"`);
    this.name = 'UnknownKeyError';
  }
}

/** Parses the text of `source` (a flag, an environment variable, a file key); throws InvalidValueError. */
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
  /** The default as the help line shows it, when `String(default)` is not how a user writes it. */
  defaultText?: string;
  /** A note for the help line after the default: `a bare number is seconds`. */
  hint?: string;
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

export interface DurationOptions {
  /** What a bare number is, and the unit of the result. */
  unit: DurationUnit;
  allowZero?: boolean;
  /** The result must be a whole number of `unit`s. */
  whole?: boolean;
}

/** `30s`, `5m`, `2h`, `1d`, `250ms`, or a bare number of `opts.unit`: a number of `opts.unit`. */
export function parseDuration(text: string, source: string, opts: DurationOptions): number {
  const n = durationIn(text, opts.unit);
  if (
    n === undefined ||
    !Number.isFinite(n) ||
    (n === 0 && !opts.allowZero) ||
    (opts.whole && !Number.isSafeInteger(n))
  ) {
    const bound = opts.allowZero ? 'a duration >= 0' : 'a duration > 0';
    const whole = opts.whole ? ` in whole ${unitName(opts.unit)}` : '';
    throw new InvalidValueError(
      source,
      text,
      `${bound}${whole} (30s, 5m, 2h, 1d; a bare number is ${unitName(opts.unit)})`,
    );
  }
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

/** A rate key's help note (lib/rate.ts). */
export const RATE_HINT = 'bytes per second: 50M, 500K, 1G; K, M, G are powers of 1000; 0: no cap';

/** `50M`, `500K`, `12.5M`, `64Mi` bytes per second, or 0 (no cap); lib/rate.ts. */
export function parseRate(text: string, source: string): number {
  const rate = rateIn(text);
  if (rate === undefined)
    throw new InvalidValueError(
      source,
      text,
      'bytes per second like 50M or 500K (K, M, G: powers of 1000; Ki, Mi, Gi: of 1024), at least 1K, or 0 for no cap',
    );
  return rate;
}

const SIZE_UNITS = ['', 'K', 'M', 'G', 'T'];

/** The shortest exact size text: 10737418240 → `10G`. */
export function formatSize(bytes: number): string {
  for (let exp = SIZE_UNITS.length - 1; exp > 0; exp--)
    if (bytes !== 0 && bytes % 1024 ** exp === 0) return `${bytes / 1024 ** exp}${SIZE_UNITS[exp]}`;
  return String(bytes);
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
  /** A duration kept in `unit`; the help line says what a bare number is. */
  duration: <T extends number | undefined = number>(
    o: KeyOptions<T> & DurationOptions,
  ): ConfigKey<T> => {
    const { unit, allowZero, whole, ...rest } = o;
    return {
      ...rest,
      kind: 'string',
      defaultText: o.default === undefined ? undefined : formatDuration(o.default, unit),
      hint: `a bare number is ${unitName(unit)}`,
      parse: (text, source) => parseDuration(text, source, { unit, allowZero, whole }) as T,
    };
  },
  size: <T extends number | undefined = number>(o: KeyOptions<T>): ConfigKey<T> => ({
    ...o,
    kind: 'string',
    defaultText: o.default === undefined ? undefined : formatSize(o.default),
    parse: (text, source) => parseSize(text, source) as T,
  }),
  /** Bytes per second (lib/rate.ts); 0 is no cap. */
  rate: (o: KeyOptions<number>): ConfigKey<number> => ({
    ...o,
    kind: 'string',
    defaultText: formatRate(o.default),
    hint: RATE_HINT,
    parse: parseRate,
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

/**
 * The keys set in a config file's object `doc`, parsed: a string goes through the key's
 * parser as a flag's text would, a number or (for a boolean key) a boolean through the
 * same parser as its text, a list key also takes an array of strings; null leaves the
 * key unset. `origin` (`config file /etc/docket.json`) names the file in errors.
 * Throws UnknownKeyError, InvalidValueError.
 */
export function valuesFromFile<C>(
  table: KeyTable<C>,
  doc: Readonly<Record<string, unknown>>,
  origin: string,
): Partial<C> {
  const keys = table as Record<string, ConfigKey<unknown>>;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(doc)) {
    const k = Object.hasOwn(keys, name) ? keys[name] : undefined;
    if (k === undefined) throw new UnknownKeyError(origin, name);
    if (value !== null) out[name] = fileValue(k, value, `${origin}: ${name}`);
  }
  return out as Partial<C>;
}

function fileValue(k: ConfigKey<unknown>, value: unknown, source: string): unknown {
  if (k.kind === 'list' && Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return value.map((v) => v.trim()).filter(Boolean);
  if (typeof value === 'string') return k.parse(value, source);
  if (typeof value === 'number' && k.kind !== 'list') return k.parse(String(value), source);
  if (typeof value === 'boolean' && k.kind === 'boolean') return value;
  throw new InvalidValueError(source, JSON.stringify(value), expectedJson(k));
}

function expectedJson(k: ConfigKey<unknown>): string {
  if (k.kind === 'list') return 'a string or an array of strings';
  if (k.kind === 'boolean') return 'true or false';
  return 'a string or a number';
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
    k.defaultText ??
    (typeof k.default === 'boolean'
      ? k.default
        ? 'on'
        : 'off'
      : Array.isArray(k.default)
        ? k.default.join(',')
        : k.default);
  if (shown !== undefined && shown !== '') notes.push(`default ${String(shown)}`);
  if (k.hint) notes.push(k.hint);
  if (k.env) notes.push(`$${k.env}`);
  return notes.length > 0 ? `${k.description} (${notes.join('; ')})` : k.description;
}
