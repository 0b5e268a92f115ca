import { Option, UsageError } from 'clipanion';
import {
  type ConfigKey,
  helpLine,
  InvalidValueError,
  type KeyTable,
  valuesFromEnv,
} from '../../lib/config-keys.js';

/**
 * The clipanion options of the keys of `table` that have a flag, one per key, named as
 * the key. A command assigns them to itself in its constructor (clipanion finds options
 * among the command's own properties) and reads them back with `flagValues`.
 */
export function keyOptions<C>(table: KeyTable<C>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [name, k] of entries(table)) {
    if (k.flag === undefined) continue;
    const description = helpLine(k);
    options[name] =
      k.kind === 'boolean'
        ? Option.Boolean(k.flag, { description })
        : k.kind === 'list'
          ? Option.Array(k.flag, { description })
          : Option.String(k.flag, { description });
  }
  return options;
}

/**
 * The keys set by a flag on `command`, parsed. A value that does not parse is the user's
 * mistake: a UsageError naming the flag.
 */
export function flagValues<C>(command: object, table: KeyTable<C>): Partial<C> {
  const out: Record<string, unknown> = {};
  for (const [name, k] of entries(table)) {
    const value = (command as Record<string, unknown>)[name];
    if (k.flag === undefined || value === undefined) continue;
    out[name] =
      k.kind === 'string' ? usage(() => k.parse(value as string, k.flag as string)) : value;
  }
  return out as Partial<C>;
}

/** Flags, else the keys' environment variables, else their defaults. Throws UsageError. */
export function settingsOf<C>(
  command: object,
  table: KeyTable<C>,
  env: Readonly<Record<string, string | undefined>>,
): C {
  const merged: Record<string, unknown> = {};
  const sources = [usage(() => valuesFromEnv(table, env)), flagValues(command, table)];
  for (const [name, k] of entries(table)) merged[name] = k.default;
  for (const source of sources)
    for (const [name, value] of Object.entries(source))
      if (value !== undefined) merged[name] = value;
  return merged as C;
}

function entries<C>(table: KeyTable<C>): [string, ConfigKey<unknown>][] {
  return Object.entries<ConfigKey<unknown>>(table);
}

function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidValueError) throw new UsageError(err.message);
    throw err;
  }
}
